import pytest

from forums.services.topics import topic_create
from tests.members.factories import UserFactory


@pytest.fixture
def author(db):
    return UserFactory(username="olive")


@pytest.fixture
def topic(category, author, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return topic_create(category=category, author=author, title="Kettle", body="It hums.")
