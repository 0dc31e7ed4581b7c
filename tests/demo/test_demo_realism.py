"""The demo reads like a real community: no reply is pasted into two topics, view counts come
from the page-view counter through the periodic flush, and the welcome text only points to
pages that exist."""

import random
import re
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from community.selectors import branding_get
from demo import forums as demo
from forums.models import Post, Topic
from forums.services import reading
from tests.demo.test_demo_forums import _forum_wipe

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--no-progress", "--history", "none", "--members", "30", stdout=out)
    return out.getvalue()


def test_no_reply_or_opening_post_appears_in_two_topics():
    _seed()
    topics_by_body = defaultdict(set)
    for topic_id, body in Post.objects.values_list("topic_id", "body"):
        topics_by_body[body].add(topic_id)

    repeated = {body[:60]: len(ids) for body, ids in topics_by_body.items() if len(ids) > 1}
    assert not repeated
    assert Post.objects.filter(is_opening=False).count() > 400
    # Titles repeat only where a real forum's do ("Scheduled maintenance this Saturday").
    titles = list(Topic.objects.values_list("title", flat=True))
    assert len(set(titles)) >= 0.9 * len(titles)


def test_view_counts_are_what_the_periodic_flush_wrote(monkeypatch):
    flushed: dict[int, int] = defaultdict(int)
    apply = reading._views_apply

    def recording(deltas: dict[int, int]) -> None:
        for topic_id, delta in deltas.items():
            flushed[topic_id] += delta
        apply(deltas)

    monkeypatch.setattr(reading, "_views_apply", recording)
    output = _seed()

    counts = dict(Topic.objects.values_list("pk", "view_count"))
    assert counts == {pk: flushed.get(pk, 0) for pk in counts}
    assert all(count > 0 for count in counts.values())
    busy = Topic.objects.order_by("-reply_count").first()
    quiet = Topic.objects.filter(reply_count=0).order_by("pk").first()
    assert busy.view_count > quiet.view_count
    assert f"{sum(counts.values()):,} topic views" in output
    # Nothing is left waiting in the cache for the next flush.
    assert reading.views_and_reads_flush().views == 0


def test_the_same_seed_gives_the_same_view_counts():
    _seed()
    first = list(
        Topic.objects.order_by("category__slug", "title", "created_at").values_list("view_count")
    )
    _forum_wipe()
    demo.demo_forums_create(rng=random.Random(2026 + 2))  # noqa: S311 - the command's seed
    again = list(
        Topic.objects.order_by("category__slug", "title", "created_at").values_list("view_count")
    )
    assert again == first


def test_every_link_in_the_welcome_text_opens_a_page_for_a_visitor():
    _seed()
    welcome = branding_get().welcome_html
    links = re.findall(r'href="([^"]+)"', welcome)

    assert "/forums/c/introductions/" in links
    for link in links:
        assert link.startswith("/"), link
        assert Client().get(link).status_code == 200, link
    assert "/polls/" in links  # the demo has polls to vote in


def test_the_home_page_of_the_demo_shows_topics_and_the_welcome_topic_as_featured():
    _seed()
    html = Client().get("/").content.decode()

    assert "Welcome to the Acme Customer Community" in html
    assert html.count('class="topic-row"') >= 8
    assert "Beta" not in html.split('id="recent-title"')[1].split("</section>")[0]


def test_trust_level_promotions_are_spread_over_the_members_time_here():
    from django.utils import timezone

    from members.models import TrustLevelChange

    _seed()
    changes = list(TrustLevelChange.objects.select_related("user"))
    assert changes
    now = timezone.now()
    assert all(c.user.date_joined <= c.changed_at < now for c in changes)
    months = {c.changed_at.strftime("%Y-%m") for c in changes}
    assert len(months) >= 3  # not every promotion on the day of the seed


def test_topic_views_per_day_add_up_to_the_view_counts_and_reach_back():
    from django.db.models import Sum

    from forums.models import TopicViewDay

    _seed()
    per_day = TopicViewDay.objects.aggregate(n=Sum("views"))["n"]
    assert per_day == Topic.objects.aggregate(n=Sum("view_count"))["n"] > 0
    assert TopicViewDay.objects.values("day").distinct().count() >= 60  # not all on one day
