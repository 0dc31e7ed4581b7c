import html as html_lib

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from community.models import Notification
from forums.models import Topic
from forums.services.answers import answer_accept, answer_unaccept
from forums.services.posts import post_create
from members.models import SupportAct, SupportKind
from tests.forums.factories import PostFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _accept(client, post, action="accept"):
    return client.post(reverse("forums:post-accept", args=[post.pk]), {"action": action})


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_the_asker_accepts_a_reply_which_credits_and_notifies_its_author(
    client, question, author, reader, django_capture_on_commit_callbacks
):
    topic, reply = question
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = _accept(client, reply)
    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}?page=1#post-{reply.pk}"
    topic.refresh_from_db()
    assert topic.accepted_answer == reply and topic.is_solved

    act = SupportAct.objects.get(kind=SupportKind.ACCEPTED_ANSWER)
    assert (act.giver, act.receiver, act.target) == (author, reader, reply)
    notice = Notification.objects.get(recipient=reader, kind="forum_answer_accepted")
    assert "accepted your reply" in notice.verb and topic.title in notice.verb
    assert notice.url == reverse("forums:post-open", args=[reply.pk])

    # Accepting it again changes nothing and tells nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        _accept(client, reply)
    assert Notification.objects.filter(kind="forum_answer_accepted").count() == 1
    assert SupportAct.objects.filter(kind=SupportKind.ACCEPTED_ANSWER).count() == 1


def test_the_page_shows_solved_the_highlighted_answer_and_a_link_under_the_question(
    client, question, author
):
    topic, reply = question
    answer_accept(post=reply, actor=author)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "✔ Solved" in page
    assert f'class="post post--accepted" id="post-{reply.pk}"' in page
    opening = page[: page.index(f'id="post-{reply.pk}"')]
    aside = opening[opening.index('<aside class="accepted-answer"') :]
    assert reverse("forums:post-open", args=[reply.pk]) in aside
    assert "Rhea Reader" in aside and "Go to Settings, then Keys." in aside


def test_the_asker_can_change_and_unmark_the_answer(client, question, author):
    topic, reply = question
    other = post_create(topic=topic, author=UserFactory(), body="Or use the API.")
    client.force_login(author)
    _accept(client, reply)
    _accept(client, other)
    topic.refresh_from_db()
    assert topic.accepted_answer == other
    # Both answerers were credited once each.
    assert SupportAct.objects.filter(kind=SupportKind.ACCEPTED_ANSWER).count() == 2

    response = _accept(client, other, action="unaccept")
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.accepted_answer is None
    # The ledger is append-only.
    assert SupportAct.objects.filter(kind=SupportKind.ACCEPTED_ANSWER).count() == 2
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "✔ Solved" not in page and "post--accepted" not in page


@pytest.mark.parametrize("who", ["global moderator", "volunteer"])
def test_a_moderator_of_the_category_accepts_and_unaccepts(
    client, question, reader, moderator, volunteer, who, django_capture_on_commit_callbacks
):
    topic, reply = question
    client.force_login(moderator if who == "global moderator" else volunteer)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Mark as the answer" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert _accept(client, reply).status_code == 302
    topic.refresh_from_db()
    assert topic.accepted_answer == reply
    # The asker's question was answered: the credit goes from the asker to the answerer.
    act = SupportAct.objects.get(kind=SupportKind.ACCEPTED_ANSWER)
    assert (act.giver, act.receiver) == (topic.author, reader)
    assert "(moderator)" in Notification.objects.get(recipient=reader).verb
    assert _accept(client, reply, action="unaccept").status_code == 302
    topic.refresh_from_db()
    assert topic.accepted_answer is None


def test_other_members_cannot_accept_or_unaccept(client, question, author, reader):
    topic, reply = question
    answer_accept(post=reply, actor=author)
    bystander = UserFactory()
    client.force_login(bystander)
    assert "Mark as the answer" not in client.get(topic.get_absolute_url()).content.decode()
    response = _accept(client, reply, action="unaccept")
    assert response.status_code == 403
    assert "Only the person who asked, or a moderator" in _text(response)
    with pytest.raises(PermissionDenied):
        answer_unaccept(topic=topic, actor=bystander)
    other = PostFactory(topic=topic)
    assert _accept(client, other).status_code == 403
    # The answer's own author is not the asker either.
    client.force_login(reader)
    assert _accept(client, other).status_code == 403
    topic.refresh_from_db()
    assert topic.accepted_answer == reply


def test_no_accepted_answers_outside_q_and_a_categories(client, thread, author):
    topic, reply = thread
    client.force_login(author)
    assert "Mark as the answer" not in client.get(topic.get_absolute_url()).content.decode()
    response = _accept(client, reply)
    assert response.status_code == 403
    assert "Only topics in Q&A categories have accepted answers." in _text(response)
    with pytest.raises(PermissionDenied):
        answer_accept(post=reply, actor=author)
    assert Topic.objects.get(pk=topic.pk).accepted_answer is None


def test_the_question_itself_and_hidden_posts_cannot_be_the_answer(
    client, question, author, moderator
):
    topic, _ = question
    opening = topic.posts.get(is_opening=True)
    client.force_login(author)
    response = _accept(client, opening)
    assert response.status_code == 403 and "pick a reply" in _text(response)
    hidden = PostFactory(topic=topic, is_hidden=True)
    assert _accept(client, hidden).status_code == 404  # the asker cannot see it
    with pytest.raises(PermissionDenied, match="hidden"):
        answer_accept(post=hidden, actor=moderator)
    assert Topic.objects.get(pk=topic.pk).accepted_answer is None


def test_accepting_your_own_reply_to_your_own_question_credits_nobody(question, author):
    topic, _ = question
    own = post_create(topic=topic, author=author, body="Found it myself.")
    answer_accept(post=own, actor=author)
    assert Topic.objects.get(pk=topic.pk).accepted_answer == own
    assert not SupportAct.objects.filter(kind=SupportKind.ACCEPTED_ANSWER).exists()


def test_visitors_are_sent_to_sign_in(client, question):
    topic, reply = question
    response = _accept(client, reply)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Topic.objects.get(pk=topic.pk).accepted_answer is None
