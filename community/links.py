from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """A full link for e-mails and exports, which have no request to take the host from."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def absolute_url_on_site(url: str) -> str:
    """The same link on SITE_URL: for links built from the host a request came in on
    (allauth's), which need not be the community's public address."""
    parts = urlsplit(url)
    return absolute_url(urlunsplit(("", "", parts.path, parts.query, parts.fragment)))
