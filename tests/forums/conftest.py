import pytest

from community.models import SiteBranding
from community.services import branding_update
from forums.services import limits
from tests.forums.factories import CategoryFactory


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    """The 5-second spacing limit would refuse a test's second post; the tests of the
    limits themselves put it back (tests/forums/services/test_post_create.py)."""
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def category(db):
    return CategoryFactory()


@pytest.fixture
def members_only(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), members_only=True)
