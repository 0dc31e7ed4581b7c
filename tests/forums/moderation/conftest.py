import pytest
from guardian.shortcuts import assign_perm

from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory


@pytest.fixture
def moderator(db):
    return UserFactory(roles=[roles.MODERATORS])


@pytest.fixture
def manager(db):
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True)


@pytest.fixture
def volunteer_category(db):
    return CategoryFactory(name="Volunteer land", slug="volunteer-land")


@pytest.fixture
def volunteer(volunteer_category):
    user = UserFactory(trust_level=TrustLevel.REGULAR)
    assign_perm("forums.moderate_category", user, volunteer_category)
    return user


@pytest.fixture
def author(db):
    return UserFactory(trust_level=TrustLevel.MEMBER)


@pytest.fixture
def thread(volunteer_category, author):
    """A topic (by `author`) with one reply by another member, through the services so the
    counters are right."""
    topic = topic_create(category=volunteer_category, author=author, title="Hello", body="Hi")
    reply = post_create(topic=topic, author=UserFactory(), body="A reply")
    return topic, reply


def trusted_members(count: int):
    return [UserFactory(trust_level=TrustLevel.MEMBER) for _ in range(count)]
