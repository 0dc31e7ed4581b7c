"""The conversation KPIs on a small community worked out by hand: who talks, how much, who
helps whom, and how the conversation weighs against the library's new content. Hidden
posts, hidden and merged topics, staff and an erased member are all in it, so dropping an
exclusion changes a number."""

from datetime import date

import pytest

from forums.models import Post
from forums.services.moderation import post_hide, topic_merge
from library.models import Resource
from members.models import TrustLevel
from members.roles import COMMUNITY_MANAGERS, MODERATORS
from members.services.data import member_erase
from metrics.models import KpiSnapshot
from metrics.snapshots import snapshot_day
from tests.forums.factories import CategoryFactory, private_category_for
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory
from tests.metrics.builders import at, opening, reply, topic, utc_community, value
from tests.metrics.helpers import stored_and_alone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc_community")]
__all__ = ["utc_community"]

# The 7-day window ending 10 March 2026: 4 March 00:00 to 11 March 00:00, UTC.
DAY = date(2026, 3, 10)


@pytest.fixture
def community():
    ann = UserFactory(username="ann", trust_level=TrustLevel.BASIC)
    bob = UserFactory(username="bob", trust_level=TrustLevel.MEMBER)
    cat = UserFactory(username="cat", trust_level=TrustLevel.REGULAR)
    erin = UserFactory(username="erin", trust_level=TrustLevel.MEMBER)
    carmen = UserFactory(username="carmen", roles=[COMMUNITY_MANAGERS])
    omar = UserFactory(username="omar", roles=[MODERATORS])
    general = CategoryFactory()
    qa = CategoryFactory(qa=True)
    private = private_category_for(cat, bob)

    t1 = topic(general, ann, at(5, 10))
    t2 = topic(qa, bob, at(6, 10))
    t3 = topic(general, carmen, at(6, 12), title="Welcome to the new release")  # staff
    t4 = topic(private, cat, at(7, 9))  # private categories count
    t5 = topic(general, ann, at(7, 10))  # hidden below
    t6 = topic(general, bob, at(1, 10))  # before the window
    t7 = topic(general, cat, at(8, 10))  # merged into t1 below

    reply(t1, bob, at(5, 11))
    reply(t1, ann, at(5, 12))  # her own topic: not peer help, not an answer
    reply(t1, carmen, at(5, 13))  # staff
    reply(t1, erin, at(5, 14))  # erased below
    reply(t2, cat, at(6, 11))
    reply(t2, bob, at(6, 12))  # his own topic
    hidden = reply(t2, ann, at(6, 13))
    reply(t4, bob, at(7, 11))
    reply(t5, bob, at(7, 11))  # in a hidden topic
    reply(t6, ann, at(5, 9))  # in the window, on an older topic: counts
    reply(t6, bob, at(2, 9))  # before the window

    post_hide(post=hidden, actor=omar, reason="Off-topic")
    post_hide(post=opening(t5), actor=omar, reason="Spam")  # hides the topic
    # t7's opening post becomes a reply in t1 (by cat, 8 March): merged posts count where
    # they went.
    topic_merge(topic=t7, into=t1, actor=omar)
    member_erase(member=erin, actor=erin)

    for when, slug in [(at(5, 9), "guide"), (at(9, 9), "faq"), (at(2, 9), "old")]:
        resource = ResourceFactory(slug=slug)
        Resource.objects.filter(pk=resource.pk).update(created_at=when)
    Resource.objects.get(slug="faq").source_topics.set([t1, t2])  # promoted from two topics
    return {"t1": t1, "t3": t3}


def test_topics_count_visible_topics_started_in_the_window(community):
    # t1, t2, t3 (staff's count too), t4 (private): t5 is hidden, t6 older, t7 merged.
    measured = value("topics", DAY)
    assert measured.value == 4
    assert measured.detail == {"in_qa_categories": 1}  # t2


def test_replies_count_visible_replies_written_in_the_window(community):
    # t1: bob, ann, carmen, erin, cat's merged opening post = 5; t2: cat, bob = 2 (ann's
    # reply is hidden); t4: bob = 1; t6: ann = 1 (bob's is older). t5's is in a hidden topic.
    assert value("replies", DAY).value == 9


def test_member_reply_share_is_peer_help_over_all_replies(community):
    # Peer: bob, erin (a former member's help still was help), cat on t1; cat on t2; bob on
    # t4; ann on t6 = 6. Not: ann and bob on their own topics, carmen (staff).
    measured = value("member_reply_share", DAY)
    assert (measured.numerator, measured.denominator) == (6, 9)
    assert measured.value == 6 / 9


def test_answerer_mix_splits_answers_to_others_by_staff_and_trust_level(community):
    # Answers (replies to someone else's topic): bob (Member), carmen (staff), erin
    # (erased: former), cat (Regular) on t1; cat on t2; bob on t4; ann (Basic) on t6 = 7.
    # Established (Member or above, not staff, not erased): bob ×2, cat ×2 = 4.
    measured = value("answerer_mix", DAY)
    assert measured.value == 4 / 7
    assert measured.detail["answers"] == {
        "staff": 1,
        "new": 0,
        "basic": 1,
        "member": 2,
        "regular": 2,
        "leader": 0,
        "former": 1,
        "unknown": 0,
    }
    assert measured.detail["shares"]["staff"] == 1 / 7


def test_content_conversation_balance_is_posts_per_new_library_resource(community):
    # (4 topics + 9 replies) ÷ 2 resources published in the window ("old" is from 2 March);
    # "faq", promoted from two topics, is one resource and one promoted article.
    measured = value("content_conversation_balance", DAY)
    assert measured.value == 13 / 2
    assert measured.detail == {
        "topics": 4,
        "replies": 9,
        "resources": 2,
        "promoted_articles": 1,
    }


def test_balance_is_undefined_when_the_library_published_nothing(community):
    Resource.objects.all().delete()
    assert value("content_conversation_balance", DAY).value is None


def test_a_longer_window_reaches_further_back(community):
    # 30 days: t6 (1 March) and bob's reply of 2 March join; the hidden stay out.
    assert value("topics", DAY, window=30).value == 5
    assert value("replies", DAY, window=30).value == 10


def test_the_snapshot_stores_values_and_details(community):
    snapshot_day(DAY, keys=["topics", "answerer_mix"])
    stored = KpiSnapshot.objects.get(key="answerer_mix", day=DAY, window=7)
    assert stored.value == 4 / 7 and stored.detail["answers"]["former"] == 1
    assert KpiSnapshot.objects.get(key="topics", day=DAY, window=7).value == 4


def test_hiding_a_reply_later_changes_a_recomputation(community):
    post = Post.objects.get(topic=community["t1"], author__username="bob", is_opening=False)
    post_hide(post=post, actor=UserFactory(roles=[MODERATORS]), reason="Spam")
    assert value("replies", DAY).value == 8
    assert value("member_reply_share", DAY).value == 5 / 8


def test_a_nights_snapshot_stores_what_each_conversation_kpi_computes_on_its_own(community):
    # The night counts replies and answerers once for the three windows of the day.
    keys = (
        "topics",
        "replies",
        "member_reply_share",
        "answerer_mix",
        "content_conversation_balance",
    )
    stored, alone = stored_and_alone(DAY, keys)
    assert stored == alone
