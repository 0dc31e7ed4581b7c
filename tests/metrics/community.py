"""A small hand-built community for the KPI tests: members who join, visit and post through
the services a person uses, with dates moved into place afterwards where a date matters."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

from community.models import SiteBranding
from community.services import branding_update
from community.timezones import community_timezone
from forums.models import Post
from forums.services.moderation import post_hide
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import User
from members.services.data import member_erase
from members.services.visits import member_visit_record
from metrics.catalogue import Measure, Period, kpi_get
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

UTC = ZoneInfo("UTC")


def at(day: date, hour: int = 12, minute: int = 0, tz: ZoneInfo = UTC) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def joined(username: str, when: datetime, **extra) -> User:
    user = UserFactory(username=username, **extra)
    User.objects.filter(pk=user.pk).update(date_joined=when)
    user.refresh_from_db()
    return user


def staff(username: str, when: datetime) -> User:
    return joined(username, when, is_staff=True, roles=[roles.COMMUNITY_MANAGERS])


def moderator() -> User:
    return UserFactory(username="omar", roles=[roles.MODERATORS])


def visited(user: User, *days: date) -> None:
    """The member made a signed-in request on each day (at noon, community time)."""
    for day in days:
        with timezone.override(community_timezone()):
            member_visit_record(user_id=user.pk, now=at(day, tz=community_timezone()))


def posted(author: User, when: datetime, *, topic=None, category=None) -> Post:
    """A topic (its opening post) or, given `topic`, a reply, written at `when`."""
    if topic is None:
        category = category or CategoryFactory()
        topic = topic_create(category=category, author=author, title="A question", body="Hi")
        post = topic.posts.get(is_opening=True)
    else:
        post = post_create(topic=topic, author=author, body="A reply")
    Post.objects.filter(pk=post.pk).update(created_at=when)
    post.refresh_from_db()
    return post


def hidden(post: Post, by: User) -> Post:
    return post_hide(post=post, actor=by, reason="Off topic")


def erased(user: User) -> User:
    return member_erase(member=user, actor=user)


def set_time_zone(name: str) -> None:
    branding_update(branding=SiteBranding.objects.get_or_create(pk=1)[0], time_zone=name)


def compute(key: str, day: date, window: int = 30) -> Measure:
    return kpi_get(key).compute(Period(day, window, community_timezone()))
