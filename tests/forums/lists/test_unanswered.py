"""The unanswered list: what counts as unanswered, and support debt first."""

from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from forums.models import Topic
from forums.selectors.lists import unanswered_topics_for
from members.models import SupportAct, SupportKind
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

_targets = count(1)


def support(giver, receiver, times=1, *, kind=SupportKind.REPLY, days_ago=5):
    for _ in range(times):
        SupportAct.objects.create(
            giver=giver,
            receiver=receiver,
            kind=kind,
            target_id=next(_targets),
            occurred_at=timezone.now() - timedelta(days=days_ago),
        )


def asked(author, title, *, days_ago, category=None):
    topic = TopicFactory(author=author, title=title, category=category or CategoryFactory())
    Topic.objects.filter(pk=topic.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return topic


def test_members_who_helped_without_being_helped_back_come_first(client):
    maya, sam, newbie, fiona, helped = (
        UserFactory(display_name=name) for name in ["Maya", "Sam", "Newbie", "Fiona", "Helped"]
    )
    others = UserFactory.create_batch(3)
    support(maya, others[0], 3)
    support(maya, others[1])
    support(maya, others[2])  # Maya: 5 given to 3 people, none received: debt 5
    support(sam, others[0], 4)
    support(others[1], sam)  # Sam: 4 given, 1 received: debt 3
    support(fiona, others[0], 10, kind=SupportKind.FOLLOW)  # following is not help
    support(helped, others[0])
    support(others[0], helped, 6)  # more received than given: no debt, not below zero
    support(newbie, others[2], 20, days_ago=200)  # long ago: outside the quarter

    asked(helped, "Helped asks", days_ago=1)
    asked(newbie, "Newbie asks", days_ago=10)
    asked(sam, "Sam asks", days_ago=5)
    asked(fiona, "Fiona asks", days_ago=7)
    asked(maya, "Maya asks", days_ago=3)

    rows = list(unanswered_topics_for(viewer=AnonymousUser()))
    assert [(t.title, t.support_debt) for t in rows] == [
        ("Maya asks", 5),
        ("Sam asks", 3),
        ("Newbie asks", 0),  # then oldest first
        ("Fiona asks", 0),
        ("Helped asks", 0),
    ]
    assert (rows[0].helped_people, rows[0].support_received) == (3, 0)

    content = client.get(reverse("forums:unanswered")).content.decode()
    assert "Maya has helped 3 members in the last 90 days and has not been helped back yet" in (
        content
    )
    assert "Sam has helped 1 member in the last 90 days and been helped 1 time" in content
    assert content.index("Maya asks") < content.index("Sam asks") < content.index("Newbie asks")


def test_what_counts_as_unanswered():
    author = UserFactory()
    qa = CategoryFactory(qa=True)
    waiting = asked(author, "No reply yet", days_ago=1)
    bumped = asked(author, "Only the author bumped it", days_ago=1)
    PostFactory(topic=bumped, author=author)
    answered = asked(author, "Someone replied", days_ago=1)
    PostFactory(topic=answered)
    hidden_reply = asked(author, "Only a hidden reply", days_ago=1)
    PostFactory(topic=hidden_reply, is_hidden=True)
    qa_open = asked(author, "Q&A with replies, none accepted", days_ago=1, category=qa)
    PostFactory(topic=qa_open)
    qa_solved = asked(author, "Q&A solved", days_ago=1, category=qa)
    Topic.objects.filter(pk=qa_solved.pk).update(accepted_answer=PostFactory(topic=qa_solved))
    asked(author, "Too old", days_ago=120)
    locked = asked(author, "Locked", days_ago=1)
    Topic.objects.filter(pk=locked.pk).update(is_locked=True)

    titles = {t.title for t in unanswered_topics_for(viewer=AnonymousUser())}
    assert titles == {
        waiting.title,
        bumped.title,
        hidden_reply.title,
        qa_open.title,
    }
