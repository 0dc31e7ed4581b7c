class ApplicationError(Exception):
    """A business rule refused the request; `message` is safe to show to the user."""

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
