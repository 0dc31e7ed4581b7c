from django.core.exceptions import ValidationError


def error_text(exc: Exception) -> str:
    """One line for a message box from what a service raised: a ValidationError's messages
    joined (a field-keyed one included), else the exception's own text."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You cannot do that."
