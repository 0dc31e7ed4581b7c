import pytest
from django.test import Client

from library.models import LibraryAccess, ResourceKind
from library.services import resource_create
from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from tests.library.factories import pdf_upload
from tests.members.factories import UserFactory


@pytest.fixture
def manager(db):
    """A community manager: runs the library from the admin."""
    return UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])


@pytest.fixture
def beta(manager):
    """An open private group whose auth Group the tests grant library access to."""
    return group_create(
        actor=manager, name="Beta Program", slug="beta-program", join_policy=JoinPolicy.OPEN
    )


@pytest.fixture
def file_resource(manager):
    return resource_create(
        actor=manager,
        kind=ResourceKind.FILE,
        title="Onboarding guide",
        slug="onboarding-guide",
        access=LibraryAccess.MEMBERS,
        upload=pdf_upload("Onboarding guide.pdf"),
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
