from django.conf import settings


def absolute_url(path: str) -> str:
    """A full link for e-mails and exports, which have no request to take the host from."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"
