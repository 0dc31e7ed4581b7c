"""Small communities for the conversation and support KPI tests, built through the services
a person uses (topic_create, post_create, post_hide, answer_accept, member_erase…), then
moved to the dates the test needs with queryset.update(): services stamp "now"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from community.models import SiteBranding
from community.services import branding_update
from forums.models import Post, Topic
from forums.services import limits
from forums.services.posts import post_create
from forums.services.topics import topic_create
from metrics.catalogue import Measure, kpi_get
from metrics.snapshots import measure

UTC = ZoneInfo("UTC")


def at(day: int, hour: float = 0, month: int = 3) -> datetime:
    """A moment of 2026 in UTC (the test community's time zone)."""
    minutes = round(hour * 60)
    return datetime(2026, month, day, minutes // 60, minutes % 60, tzinfo=UTC)


def topic(category, author, when: datetime, title: str = "A question") -> Topic:
    made = topic_create(category=category, author=author, title=title, body="How do I do it?")
    Topic.objects.filter(pk=made.pk).update(created_at=when, last_post_at=when)
    Post.objects.filter(topic=made, is_opening=True).update(created_at=when)
    made.refresh_from_db()
    return made


def reply(topic_: Topic, author, when: datetime, body: str = "Try this.") -> Post:
    post = post_create(topic=topic_, author=author, body=body)
    Post.objects.filter(pk=post.pk).update(created_at=when)
    post.refresh_from_db()
    return post


def opening(topic_: Topic) -> Post:
    return Post.objects.get(topic=topic_, is_opening=True)


def value(key: str, day: date, window: int = 7) -> Measure:
    return measure(kpi_get(key), day, window)


@pytest.fixture
def utc_community(django_capture_on_commit_callbacks, monkeypatch):
    """The community's day is the UTC day; the 5-second posting spacing is off (a test
    posts many times a second)."""
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())
    with django_capture_on_commit_callbacks(execute=True):
        branding = SiteBranding.objects.get_or_create(pk=1)[0]
        branding_update(branding=branding, time_zone="UTC")
