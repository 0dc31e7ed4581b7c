import pytest
from guardian.shortcuts import assign_perm

from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory


@pytest.fixture
def author(db):
    return UserFactory(trust_level=TrustLevel.MEMBER, display_name="Ada Author")


@pytest.fixture
def reader(db):
    return UserFactory(trust_level=TrustLevel.MEMBER, display_name="Rhea Reader")


@pytest.fixture
def moderator(db):
    return UserFactory(roles=[roles.MODERATORS], display_name="Mona Moderator")


@pytest.fixture
def qa_category(db):
    return CategoryFactory(qa=True, name="Product Q&A", slug="product-qa")


@pytest.fixture
def volunteer(qa_category):
    """A member who moderates only `qa_category` (a guardian grant, as in production)."""
    user = UserFactory(trust_level=TrustLevel.REGULAR, display_name="Val Volunteer")
    assign_perm("forums.moderate_category", user, qa_category)
    return user


@pytest.fixture
def thread(category, author, reader):
    """A topic by `author` with one reply by `reader`, made through the services so the
    counters are right."""
    topic = topic_create(category=category, author=author, title="Hello there", body="Hi all")
    reply = post_create(topic=topic, author=reader, body="A reply from Rhea")
    return topic, reply


@pytest.fixture
def question(qa_category, author, reader):
    """A Q&A topic by `author` with a reply by `reader`."""
    topic = topic_create(
        category=qa_category, author=author, title="How do I reset my key?", body="Help?"
    )
    reply = post_create(topic=topic, author=reader, body="Go to Settings, then Keys.")
    return topic, reply
