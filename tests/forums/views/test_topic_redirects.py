"""Old links keep working: merged topics, renamed slugs, hidden accepted answers."""

import pytest

from forums.services.answers import answer_accept
from forums.services.moderation import post_hide, topic_merge
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from tests.forums.factories import CategoryFactory, TopicFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return UserFactory(roles=[roles.MODERATORS])


def _topics(category, *, author=None, count=2):
    author = author or UserFactory()
    return [
        topic_create(category=category, author=author, title=f"Question {n}", body="Help?")
        for n in range(count)
    ]


def test_a_merged_topic_sends_members_to_the_topic_it_went_into(client, member, moderator):
    category = CategoryFactory()
    old, new = _topics(category)
    topic_merge(topic=old, into=new, actor=moderator, reason="Same question")

    client.force_login(member)
    response = client.get(old.get_absolute_url())

    assert response.status_code == 301
    assert response["Location"] == new.get_absolute_url()


def test_a_merged_topic_does_not_send_outsiders_into_a_private_category(client, member, moderator):
    insider = UserFactory()
    old, new = _topics(private_category_for(insider), author=insider)
    topic_merge(topic=old, into=new, actor=moderator, reason="Duplicate")

    client.force_login(member)

    assert client.get(old.get_absolute_url()).status_code == 404


def test_a_stale_slug_keeps_the_quote_and_page_in_the_redirect(client, member):
    topic = TopicFactory()
    client.force_login(member)

    response = client.get(f"/forums/t/{topic.pk}/old-title/?quote=5&page=1")

    assert response.status_code == 301
    assert response["Location"] == f"{topic.get_absolute_url()}?quote=5&page=1"


def test_hiding_the_accepted_answer_unmarks_it(member, moderator):
    question = TopicFactory(category=CategoryFactory(qa=True), author=member)
    answer = post_create(topic=question, author=UserFactory(), body="Restart the sync.")
    answer_accept(post=answer, actor=member)

    post_hide(post=answer, actor=moderator, reason="Spam link")

    question.refresh_from_db()
    assert question.accepted_answer is None and not question.is_solved
