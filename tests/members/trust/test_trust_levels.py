from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import roles
from members.models import MemberVisit, SupportAct, SupportKind, TrustLevel, TrustLevelChange, User
from members.services.trust import RULES, trust_levels_recompute
from tests.members.factories import UserFactory, role_group

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _visits(user, days: int, *, start_days_ago: int = 0):
    today = timezone.localdate(NOW)
    MemberVisit.objects.bulk_create(
        [
            MemberVisit(user=user, day=today - timedelta(days=start_days_ago + n))
            for n in range(days)
        ]
    )


def _support(giver, receiver, count: int, *, days_ago: int = 1):
    content_type = ContentType.objects.get_for_model(User)
    SupportAct.objects.bulk_create(
        [
            SupportAct(
                giver=giver,
                receiver=receiver,
                kind=SupportKind.REACTION,
                target_type=content_type,
                target_id=n,
                occurred_at=NOW - timedelta(days=days_ago),
            )
            for n in range(count)
        ]
    )


def _joined(days_ago: int):
    return UserFactory(date_joined=NOW - timedelta(days=days_ago))


def _level(user) -> int:
    return User.objects.get(pk=user.pk).trust_level


def test_trust_levels_follow_visits_and_support_given_and_received():
    newcomer = _joined(0)
    basic = _joined(3)
    _visits(basic, RULES.basic_days_visited)
    member = _joined(60)
    _visits(member, RULES.member_days_visited)
    regular = _joined(200)
    _visits(regular, RULES.regular_days_visited)
    helper = _joined(30)
    _support(member, helper, 1)
    _support(helper, member, 1)
    _support(regular, helper, RULES.regular_support_given)
    _support(helper, regular, RULES.regular_support_received)

    trust_levels_recompute(now=NOW)

    assert _level(newcomer) == TrustLevel.NEW
    assert _level(basic) == TrustLevel.BASIC
    assert _level(member) == TrustLevel.MEMBER
    assert _level(regular) == TrustLevel.REGULAR
    assert _level(helper) == TrustLevel.NEW  # support alone, without visits, earns nothing


def test_member_needs_an_account_older_than_two_weeks():
    quick = _joined(5)
    _visits(quick, RULES.member_days_visited)
    other = _joined(5)
    _support(quick, other, 1)
    _support(other, quick, 1)
    trust_levels_recompute(now=NOW)
    assert _level(quick) == TrustLevel.BASIC


def test_regular_is_lost_when_activity_stops_but_member_is_kept_and_leaders_untouched():
    lapsed = _joined(400)
    lapsed.trust_level = TrustLevel.REGULAR
    lapsed.save()
    _visits(lapsed, RULES.regular_days_visited, start_days_ago=150)  # all outside the window
    leader = _joined(400)
    leader.trust_level = TrustLevel.LEADER
    leader.save()

    trust_levels_recompute(now=NOW)

    assert _level(lapsed) == TrustLevel.MEMBER
    assert _level(leader) == TrustLevel.LEADER


def test_recompute_issues_the_same_statements_however_many_members_it_promotes():
    for _ in range(3):
        _visits(_joined(30), 2)
    with CaptureQueriesContext(connection) as few:
        trust_levels_recompute(now=NOW)
    for _ in range(30):
        _visits(_joined(30), 2)
    with CaptureQueriesContext(connection) as many:
        trust_levels_recompute(now=NOW)
    assert len(few) == len(many) <= 7  # read the changes, record them, apply them, count
    assert User.objects.filter(trust_level=TrustLevel.BASIC).count() == 33


def test_every_change_of_level_is_recorded_once_with_where_it_came_from():
    climber = _joined(60)
    _visits(climber, RULES.basic_days_visited)
    steady = _joined(60)
    earlier = NOW - timedelta(days=2)
    trust_levels_recompute(now=earlier)
    _visits(climber, RULES.member_days_visited - RULES.basic_days_visited, start_days_ago=30)
    other = _joined(30)
    _support(climber, other, 1)
    _support(other, climber, 1)

    trust_levels_recompute(now=NOW)
    trust_levels_recompute(now=NOW)  # nothing moved since: nothing more is recorded

    history = list(
        TrustLevelChange.objects.order_by("changed_at").values_list(
            "user", "from_level", "to_level", "changed_at", "changed_by"
        )
    )
    assert history == [
        (climber.pk, TrustLevel.NEW, TrustLevel.BASIC, earlier, None),
        (climber.pk, TrustLevel.BASIC, TrustLevel.MEMBER, NOW, None),
    ]
    assert _level(climber) == TrustLevel.MEMBER and _level(steady) == TrustLevel.NEW


def test_a_level_set_by_a_manager_in_the_admin_is_recorded_with_who_set_it():
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True)
    maya = _joined(60)
    admin = Client()
    admin.force_login(manager)
    form = {
        "username": maya.username,
        "email": maya.email,
        "first_name": "",
        "last_name": "",
        "display_name": maya.display_name,
        "is_active": "on",
        "trust_level": TrustLevel.LEADER,
        "groups": [role_group(roles.MEMBERS).pk],
    }
    url = reverse("admin:members_user_change", args=[maya.pk])

    assert admin.post(url, form).status_code == 302
    assert admin.post(url, form).status_code == 302  # saved again unchanged: no new row

    change = TrustLevelChange.objects.get()
    assert (change.user, change.from_level, change.to_level, change.changed_by) == (
        maya,
        TrustLevel.NEW,
        TrustLevel.LEADER,
        manager,
    )
