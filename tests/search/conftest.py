import pytest
from django.test import Client

from forums.services import limits
from library.models import LibraryAccess
from members.models import Visibility
from members.services.profiles import profile_update
from tests.forums.factories import CategoryFactory
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def category(db):
    return CategoryFactory()


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def article(title="An unrelated guide", *, summary="A short summary.", body="Nothing.", **kw):
    return ResourceFactory(
        title=title, summary=summary, body=body, access=kw.pop("access", LibraryAccess.PUBLIC), **kw
    )


def member_with(username: str, **profile) -> object:
    """A member whose profile fields are set through the profile service, as the edit page
    does (the bio is rendered there)."""
    user = UserFactory(username=username, display_name=profile.pop("display_name", username))
    if profile:
        profile_update(user=user, actor=user, **profile)
    return user


ONLY_ME = Visibility.PRIVATE
