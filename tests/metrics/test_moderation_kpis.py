"""Moderation KPIs on one small hand-built community, flagged and moderated through the
services moderators and members use, then dated with update(). Staff flags, flags outside
the window and the automatic hide are in it, so each exclusion is checked."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from forums.models import Flag, ModerationAction, ModerationEvent
from forums.services import limits
from forums.services.flags import flag_create
from forums.services.moderation import flags_dismiss, post_hide, post_restore, topic_lock_set
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members import roles
from members.models import TrustLevel
from metrics.catalogue import Period, kpi_get
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
DAY = date(2026, 3, 10)  # the 7-day window: 4–10 March


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def compute(key: str, window: int = 7):
    return kpi_get(key).compute(Period(DAY, window, UTC))


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


def _flag(post, flagger, reason, created, resolved=None) -> tuple[Flag, datetime, datetime]:
    """A flag raised through the service, with the times it is to be dated to."""
    return flag_create(post=post, flagger=flagger, reason=reason), created, resolved


def _date(flags, events) -> None:
    for flag, created, resolved in flags:
        Flag.objects.filter(pk=flag.pk).update(created_at=created, resolved_at=resolved)
    for (post, action), when in events.items():
        ModerationEvent.objects.filter(post=post, action=action).update(created_at=when)


@pytest.fixture
def community():
    moderator = UserFactory(username="omar", roles=[roles.MODERATORS])
    manager = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS], is_staff=True)
    ann, bob = (UserFactory(username=n, trust_level=TrustLevel.MEMBER) for n in ("ann", "bob"))
    olly, dan = UserFactory(username="olly"), UserFactory(username="dan")
    cat = UserFactory(username="cat", trust_level=TrustLevel.MEMBER)
    lounge = CategoryFactory(name="Lounge", slug="lounge")
    beta = private_category_for(ann, cat, slug="beta")
    topic = topic_create(category=lounge, author=dan, title="Pumps", body="Which pump?")
    p1, p2 = (post_create(topic=topic, author=olly, body=f"Buy now {n}") for n in (1, 2))
    p3, p4, p6, p7 = (post_create(topic=topic, author=dan, body=f"Reply {n}") for n in range(4))
    beta_topic = topic_create(category=beta, author=ann, title="Beta", body="Build 12")
    p5 = post_create(topic=beta_topic, author=cat, body="Off we go")

    flags = [
        _flag(p1, ann, "spam", at(5, 10), at(5, 14)),  # upheld after 4 h
        _flag(p2, bob, "abusive", at(6), at(6, 10)),  # upheld after 10 h
        _flag(p3, ann, "off_topic", at(7), at(7, 1)),  # dismissed after 1 h
        _flag(p5, ann, "spam", at(9)),  # still open, in a private category
        _flag(p6, bob, "spam", at(1), at(2)),  # raised and resolved before the window
        _flag(p7, cat, "spam", at(2), at(4, 2)),  # raised before, dismissed in it: 50 h
    ]
    # The manager (staff, and a moderator: the post is hidden at once by flags) flags p4;
    # omar restores it two hours later, which dismisses that flag.
    flags.append(_flag(p4, manager, "spam", at(8), at(8, 2)))
    post_hide(post=p1, actor=moderator, reason="Spam")
    post_hide(post=p2, actor=moderator, reason="Abuse")
    flags_dismiss(post=p3, actor=moderator)
    post_restore(post=p4, actor=moderator)
    post_hide(post=p6, actor=moderator, reason="Spam")
    flags_dismiss(post=p7, actor=moderator)
    topic_lock_set(topic=topic, actor=manager, locked=True, reason="Heated")
    _date(
        flags,
        {
            (p1, ModerationAction.HIDE): at(5, 14),
            (p2, ModerationAction.HIDE): at(6, 10),
            (p3, ModerationAction.DISMISS_FLAGS): at(7, 1),
            (p4, ModerationAction.AUTO_HIDE): at(8),
            (p4, ModerationAction.RESTORE): at(8, 2),
            (p6, ModerationAction.HIDE): at(2),
            (p7, ModerationAction.DISMISS_FLAGS): at(4, 2),
        },
    )
    ModerationEvent.objects.filter(action=ModerationAction.LOCK).update(created_at=at(9))
    return {"moderator": moderator, "manager": manager, "olly": olly, "beta": beta}


def test_flags_count_members_flags_of_the_window_by_reason_and_category(community):
    measure = compute("flags")
    # 5 March (ann, p1), 6 March (bob, p2), 7 March (ann, p3), 9 March (ann, p5); the
    # manager's flag is staff's, p6's and p7's were raised on 1 and 2 March.
    assert measure.value == 4
    assert measure.detail["by_reason"] == {"spam": 2, "off_topic": 1, "abusive": 1, "other": 0}
    beta = community["beta"]
    assert [(row["category"], row["flags"]) for row in measure.detail["by_category"]] == [
        ("Lounge", 3),
        (f"Private category {beta.pk}", 1),  # a private category's name stays private
    ]


def test_median_flag_resolution_hours_over_flags_resolved_in_the_window(community):
    measure = compute("median_flag_resolution_hours")
    # Resolved 4–10 March, members' flags: 1 h (p3), 4 h (p1), 10 h (p2), 50 h (p7, raised
    # 2 March). The manager's 2 h is staff's; p6's was resolved on 2 March; p5 is open.
    # Median of 1, 4, 10, 50: (4 + 10) / 2.
    assert measure.value == (4 + 10) / 2
    assert measure.denominator == 4
    # olly: p1 and p2 hidden by a moderator in the window and still hidden.
    assert measure.detail["repeat_offenders"] == [
        {"member_id": community["olly"].pk, "hidden_posts": 2}
    ]
    moderators = {row["moderator_id"]: row for row in measure.detail["moderators"]}
    omar, carmen = community["moderator"].pk, community["manager"].pk
    # omar: hid p1 and p2, dismissed p3's and p7's flags, restored p4 (p6 was 2 March).
    assert moderators[omar]["actions"] == 5
    assert moderators[omar]["by_action"] == {"dismiss_flags": 2, "hide": 2, "restore": 1}
    assert moderators[carmen]["by_action"] == {"lock": 1}


def test_moderation_activity_counts_what_moderators_did(community):
    measure = compute("moderation_activity")
    # omar's 5 and carmen's lock; the automatic hide of p4 has no moderator.
    assert measure.value == 5 + 1
    assert measure.detail["moderators"] == 2
    assert measure.detail["by_action"]["hide"] == 2
    assert "auto_hide" not in measure.detail["by_action"]
    assert compute("moderation_activity", window=30).value == 5 + 1 + 1  # + p6 on 2 March


def test_no_flag_resolved_leaves_the_median_undefined():
    assert compute("median_flag_resolution_hours").value is None
    assert compute("flags").value == 0


def test_a_restored_post_is_no_offence():
    moderator = UserFactory(roles=[roles.MODERATORS])
    olly = UserFactory(username="olly")
    topic = topic_create(category=CategoryFactory(), author=olly, title="Hi", body="Hello")
    posts = [post_create(topic=topic, author=olly, body=f"Ad {n}") for n in range(2)]
    for post in posts:
        post_hide(post=post, actor=moderator, reason="Ad")
    post_restore(post=posts[1], actor=moderator, reason="Not an ad after all")
    ModerationEvent.objects.update(created_at=at(9))
    detail = compute("median_flag_resolution_hours").detail
    assert detail["repeat_offenders"] == []  # one post still hidden: not a repeat
