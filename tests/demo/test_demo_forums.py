"""The demo forum `seed_demo` builds: what the demo log-ins need to find, counters that match
the rows, support acts for every reaction/reply/accepted answer, and the same forum for the
same seed."""

import random
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Max, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Notification
from demo import forums as demo
from forums.models import (
    Bookmark,
    Category,
    CategoryAccess,
    Flag,
    FlagStatus,
    ModerationEvent,
    Post,
    Reaction,
    Tag,
    Topic,
    TopicRead,
    Watch,
)
from forums.permissions import visible_categories, visible_topics
from members.models import SupportAct, SupportKind, User
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = "30"


def _seed(*args: str) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--no-progress", "--history", "none", "--members", MEMBERS, *args, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def seeded():
    _seed()


def test_the_forum_has_every_kind_of_category_and_tag(seeded):
    categories = {category.slug: category for category in Category.objects.all()}
    assert categories["product-qa"].is_qa and categories["api-integrations"].is_qa
    assert categories["api-integrations"].parent == categories["product-qa"]
    assert categories["lounge"].access == CategoryAccess.MEMBERS
    assert categories["beta-program"].access == CategoryAccess.PRIVATE
    assert {"announcements", "ideas"} <= categories.keys()
    assert all(category.topic_count > 0 for category in categories.values())

    restricted = Tag.objects.filter(categories__isnull=False).distinct()
    assert restricted.exists() and Tag.objects.filter(categories__isnull=True).exists()
    tagged = Topic.objects.filter(tags__isnull=False).distinct()
    assert tagged.count() > 10
    for topic in tagged.prefetch_related("tags__categories"):
        for tag in topic.tags.all():
            allowed = list(tag.categories.all())
            assert not allowed or topic.category in allowed, (tag.name, topic.category.slug)


def test_questions_are_solved_or_waiting_and_history_spans_eighteen_months(seeded):
    qa = Topic.objects.filter(category__is_qa=True)
    solved = qa.filter(accepted_answer__isnull=False).select_related("accepted_answer")
    assert solved.count() >= 10
    for topic in solved:
        assert topic.accepted_answer.topic_id == topic.pk
        assert not topic.accepted_answer.is_opening
        assert topic.accepted_answer.author_id != topic.author_id
    assert qa.filter(reply_count=0, accepted_answer__isnull=True).count() >= 3
    assert not Topic.objects.filter(category__is_qa=False, accepted_answer__isnull=False).exists()

    now = timezone.now()
    oldest = Post.objects.order_by("created_at").first().created_at
    assert timedelta(days=450) < now - oldest <= timedelta(days=549)
    assert not Post.objects.filter(created_at__gt=now).exists()
    by_month = Counter(Post.objects.values_list("created_at__year", "created_at__month"))
    assert len(by_month) >= 15  # every month has some activity


def test_counters_match_the_rows(seeded):
    for topic in Topic.objects.annotate(
        visible=Count("posts", filter=Q(posts__is_hidden=False)),
        last=Max("posts__created_at", filter=Q(posts__is_hidden=False)),
    ):
        assert topic.reply_count == topic.visible - 1, topic.title
        assert topic.last_post_at == topic.last
        last_post = topic.posts.filter(is_hidden=False).latest("created_at")
        assert topic.last_poster_id == last_post.author_id
        assert topic.created_at == topic.posts.get(is_opening=True).created_at
    for category in Category.objects.all():
        topics = Topic.objects.filter(category=category)
        assert category.topic_count == topics.count()
        assert (
            category.post_count
            == Post.objects.filter(topic__category=category, is_hidden=False).count()
        )
        assert category.last_activity_at == topics.aggregate(last=Max("last_post_at"))["last"]
    mismatched = Post.objects.annotate(n=Count("reactions")).exclude(reaction_count=F("n"))
    assert not mismatched.exists()
    assert Reaction.objects.count() > 100
    # A reaction touches its topic (reaction_add -> topic_touch): never older than the newest.
    untouched = Topic.objects.annotate(touched=Max("posts__reactions__created_at")).filter(
        updated_at__lt=F("touched")
    )
    assert not untouched.exists()


def test_every_reaction_reply_and_accepted_answer_is_a_support_act(seeded):
    acts = SupportAct.objects.filter(
        kind__in=[SupportKind.REACTION, SupportKind.REPLY, SupportKind.ACCEPTED_ANSWER]
    )
    recorded = set(acts.values_list("giver", "receiver", "kind", "target_id", "occurred_at"))
    expected = set()
    for reaction in Reaction.objects.select_related("post"):
        expected.add(
            (reaction.user_id, reaction.post.author_id, SupportKind.REACTION, reaction.post_id,
             reaction.created_at)
        )  # fmt: skip
    replies = Post.objects.filter(is_opening=False, is_hidden=False).select_related("topic")
    for reply in replies.exclude(author=None):
        if reply.author_id != reply.topic.author_id:
            expected.add(
                (reply.author_id, reply.topic.author_id, SupportKind.REPLY, reply.pk,
                 reply.created_at)
            )  # fmt: skip
    accepted = Topic.objects.filter(accepted_answer__isnull=False).select_related("accepted_answer")
    for topic in accepted:
        answer = topic.accepted_answer
        assert (topic.author_id, answer.author_id, SupportKind.ACCEPTED_ANSWER, answer.pk) in {
            act[:4] for act in recorded
        }
    assert expected <= recorded
    assert len(recorded) == len(expected) + accepted.count()
    assert acts.filter(target_type__model="post").count() == acts.count()


def test_the_private_beta_category_is_only_for_the_beta_program(seeded):
    beta = Category.objects.get(slug="beta-program")
    testers = Group.objects.get(name="Beta Program").user_set.all()
    maya = User.objects.get(username="maya")
    outsider = (
        User.objects.exclude(pk__in=testers)
        .exclude(username__in=["AnonymousUser", "omar", "carmen", "evan"])
        .first()
    )
    assert maya in testers
    assert beta in visible_categories(maya)
    assert beta not in visible_categories(outsider)
    assert beta not in visible_categories(AnonymousUser())
    assert not visible_topics(outsider).filter(category=beta).exists()
    assert not visible_topics(AnonymousUser()).filter(category__slug="lounge").exists()
    writers = Post.objects.filter(topic__category=beta).values("author")
    reactors = Reaction.objects.filter(post__topic__category=beta).values("user")
    assert (
        not User.objects.filter(Q(pk__in=writers) | Q(pk__in=reactors))
        .exclude(pk__in=testers)
        .exists()
    )


def test_maya_finds_unread_topics_a_reply_and_her_questions(seeded):
    maya = User.objects.get(username="maya")
    own = Topic.objects.filter(author=maya)
    answered = own.get(title__startswith="How do I schedule a weekly CSV export")
    assert answered.accepted_answer.author != maya
    assert own.filter(category__is_qa=True, reply_count=0).exists()
    assert Topic.objects.filter(category__is_qa=True, accepted_answer__author=maya).exists()

    reads = TopicRead.objects.filter(user=maya).select_related("topic")
    behind = [read for read in reads if read.last_read_at < read.topic.last_post_at]
    assert behind and any(read.last_read_at == read.topic.last_post_at for read in reads)
    never_opened = visible_topics(maya).exclude(reads__user=maya)
    assert never_opened.count() > 20

    reply = Notification.objects.get(recipient=maya, kind="forum_reply", read_at__isnull=True)
    lounge_topic = own.get(title="What does your Monday reporting routine look like?")
    assert reply.url.startswith(lounge_topic.get_absolute_url())
    assert lounge_topic in [read.topic for read in behind]
    assert Watch.objects.filter(user=maya, topic=lounge_topic).exists()
    bookmark = Bookmark.objects.get(user=maya)
    assert bookmark.post == answered.accepted_answer and bookmark.remind_at > timezone.now()


def test_omar_has_a_flagged_post_and_a_moderation_log(seeded):
    omar = User.objects.get(username="omar")
    waiting = Flag.objects.filter(status=FlagStatus.OPEN).select_related("post")
    assert waiting.count() >= 2
    assert all(not flag.post.is_hidden for flag in waiting)
    hidden = Post.objects.get(is_hidden=True)
    assert hidden.hidden_by == omar
    assert ModerationEvent.objects.filter(actor=omar, post=hidden).exists()
    assert Topic.objects.filter(is_pinned=True, category__slug="announcements").exists()


def _fingerprint() -> list[tuple]:
    return list(
        Post.objects.order_by(
            "topic__category__slug", "topic__title", "created_at", "pk"
        ).values_list(
            "topic__category__slug", "topic__title", "author__username", "body", "reaction_count"
        )
    )


def _forum_wipe() -> None:
    Topic.objects.update(accepted_answer=None)
    Topic.objects.all().delete()
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
    SupportAct.objects.filter(target_type__model="post").delete()
    Notification.objects.filter(kind="forum_reply").delete()
    ModerationEvent.objects.all().delete()


def test_the_same_seed_gives_the_same_forum(seeded):
    first = _fingerprint()
    _forum_wipe()
    demo.demo_forums_create(rng=random.Random(2026 + 2))  # noqa: S311 - the command's seed
    assert _fingerprint() == first
    _forum_wipe()
    demo.demo_forums_create(rng=random.Random(7))  # noqa: S311
    assert _fingerprint() != first


def test_the_bulk_writes_in_a_fixed_number_of_statements(seeded, monkeypatch):
    """Twice the posts, hardly more statements: nothing is written row by row (SQLite's
    limit on query parameters splits big INSERTs, so a few more; PostgreSQL's does not)."""
    counts = []
    for scale in (demo.ForumScale(60, 300, 1.0), demo.ForumScale(120, 600, 1.0)):
        _forum_wipe()
        monkeypatch.setitem(demo.SCALES, "demo", scale)
        with CaptureQueriesContext(connection) as queries:
            result = demo.demo_forums_create(rng=random.Random(1))  # noqa: S311
        assert result.posts > scale.posts
        counts.append(len(queries))
    assert counts[1] - counts[0] < 300 / 10
    assert counts[1] < 250


def test_the_command_reports_what_it_wrote():
    output = _seed()
    assert "forum topics" in output and "posts" in output
    assert Topic.objects.count() > 100


def _gin_indexes() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('forums_post', 'forums_topic') AND indexdef LIKE '%USING gin%'"
        )
        return set(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text indexes: PostgreSQL")
def test_a_large_load_builds_the_search_indexes_again_afterwards():
    before = _gin_indexes()
    assert before  # forums/migrations/0004
    author = UserFactory()
    with demo.search_indexes_deferred():
        assert not _gin_indexes()
        # Rows written meanwhile leave deferred foreign-key checks queued, which PostgreSQL
        # must have run before it builds an index on the table.
        demo.topics_bulk_write(
            [demo.TopicPlan(category_id=CategoryFactory().pk, title="Loaded in bulk", posts=[
                demo.PostPlan(author.pk, "A", timezone.now(), "zeppelin", "<p>zeppelin</p>")
            ])]
        )  # fmt: skip
    assert _gin_indexes() == before
    assert Post.objects.filter(body="zeppelin").count() == 1
