import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from community.middleware import PUBLIC_PATH_PREFIXES
from community.models import SiteBranding
from community.services import branding_update

pytestmark = pytest.mark.django_db

AUTH_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


def _plain_paths(patterns=None, prefix="/"):
    """Every URL of the project that takes no arguments, so the test grows with the app."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or "(" in route:
            continue
        route = route.lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from _plain_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


@pytest.fixture
def members_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), members_only=True)


def test_members_only_sends_visitors_from_every_non_auth_page_to_sign_in(client, members_only):
    paths = [path for path in _plain_paths() if not path.startswith(PUBLIC_PATH_PREFIXES)]
    assert "/" in paths and "/admin/" in paths
    for path in [*paths, "/no-such-page/", "/media/private/file.pdf"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


def test_members_only_still_lets_visitors_sign_in_and_sign_up(client, members_only):
    for path in AUTH_PAGES:
        assert client.get(path).status_code == 200, path
    assert client.get("/healthz").status_code in (200, 503)


def test_members_only_lets_members_through(client_as_member, members_only):
    response = client_as_member.get("/")
    assert response.status_code == 200
    assert b"Welcome back" in response.content
    # Every page a visitor was turned away from answers a member without the sign-in detour.
    paths = [path for path in _plain_paths() if not path.startswith(PUBLIC_PATH_PREFIXES)]
    for path in paths:
        response = client_as_member.get(path)
        location = response.get("Location", "")
        assert not location.startswith("/accounts/login/"), path


def test_public_community_shows_the_home_page_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Join the community" in response.content
