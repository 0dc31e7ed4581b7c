"""The catalogue's frame: periods in the community's time zone, snapshots written once per
KPI, day and window (a second run changes nothing, a backfill is the explicit rewrite), and
the commands operators use to check the numbers."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from community.models import SiteBranding
from community.services import branding_update
from members.models import User
from members.roles import COMMUNITY_MANAGERS as MANAGERS
from metrics.catalogue import CATALOGUE, Period
from metrics.models import WINDOWS, KpiSnapshot
from metrics.snapshots import snapshot_day, snapshots_recompute
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def joined(username: str, when: datetime, **extra) -> User:
    user = UserFactory(username=username, **extra)
    User.objects.filter(pk=user.pk).update(date_joined=when)
    return user


def set_time_zone(name: str) -> None:
    branding = SiteBranding.objects.get_or_create(pk=1)[0]
    branding_update(branding=branding, time_zone=name)


def test_a_period_is_its_days_from_midnight_to_midnight_in_the_community_time_zone():
    period = Period(date(2026, 3, 31), 7, BERLIN)
    assert period.first_day == date(2026, 3, 25)
    assert period.start == datetime(2026, 3, 25, 0, 0, tzinfo=BERLIN)
    assert period.end == datetime(2026, 4, 1, 0, 0, tzinfo=BERLIN)  # excluded
    assert period.previous() == Period(date(2026, 3, 24), 7, BERLIN)


def test_members_and_new_members_count_by_the_community_day(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_time_zone("Europe/Berlin")
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: a member of 2 March there.
    joined("ann", datetime(2026, 3, 1, 23, 30, tzinfo=ZoneInfo("UTC")))
    joined("bob", datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("UTC")))
    joined("cat", datetime(2026, 2, 20, 12, 0, tzinfo=ZoneInfo("UTC")))
    joined("carmen", datetime(2026, 2, 20, 12, 0, tzinfo=ZoneInfo("UTC")), roles=[MANAGERS])
    joined("gone", datetime(2026, 2, 20, 12, 0, tzinfo=ZoneInfo("UTC")), is_active=False)

    snapshot_day(date(2026, 3, 1))
    day = {s.key: s for s in KpiSnapshot.objects.filter(day=date(2026, 3, 1), window=7)}
    assert day["members"].value == 2  # bob and cat; ann joined on 2 March, Berlin time
    assert day["new_members"].value == 1  # bob: 23 Feb - 1 Mar
    month = KpiSnapshot.objects.get(key="new_members", day=date(2026, 3, 1), window=30)
    assert month.value == 2  # bob and cat
    snapshot_day(date(2026, 3, 2))
    assert KpiSnapshot.objects.get(key="members", day=date(2026, 3, 2), window=7).value == 3


def test_a_second_run_for_a_day_changes_nothing_and_a_backfill_rewrites_it():
    joined("ann", datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("UTC")))
    first = snapshot_day(date(2026, 3, 1))
    assert first.written == len(CATALOGUE) * len(WINDOWS) and first.kept == 0
    stored = {(s.key, s.window): (s.value, s.computed_at) for s in KpiSnapshot.objects.all()}

    joined("bob", datetime(2026, 3, 1, 13, 0, tzinfo=ZoneInfo("UTC")))
    again = snapshot_day(date(2026, 3, 1))
    assert again.written == 0 and again.kept == len(stored)
    assert {
        (s.key, s.window): (s.value, s.computed_at) for s in KpiSnapshot.objects.all()
    } == stored  # frozen: the late sign-up does not rewrite the day

    snapshots_recompute(date(2026, 3, 1))
    assert KpiSnapshot.objects.get(key="members", day=date(2026, 3, 1), window=30).value == 2
    assert KpiSnapshot.objects.count() == len(stored)


def test_undefined_values_are_stored_as_none_not_zero():
    snapshot_day(date(2026, 3, 1))
    assert KpiSnapshot.objects.get(key="members", day=date(2026, 3, 1), window=7).value == 0


def test_the_commands_snapshot_backfill_and_print():
    joined("ann", datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("UTC")))
    out = StringIO()
    call_command("metrics_snapshot", "--date", "2026-03-01", stdout=out)
    assert f"{len(CATALOGUE) * len(WINDOWS)} snapshots stored, 0 already there" in out.getvalue()
    out = StringIO()
    call_command("metrics_snapshot", "--date", "2026-03-01", stdout=out)
    assert "0 snapshots stored" in out.getvalue()

    out = StringIO()
    call_command(
        "backfill_metrics",
        "--from",
        "2026-02-27",
        "--to",
        "2026-03-01",
        "--no-progress",
        stdout=out,
    )
    assert out.getvalue().startswith("3 days,")
    assert KpiSnapshot.objects.filter(key="members").values("day").distinct().count() == 3

    out = StringIO()
    call_command("kpis", "--date", "2026-03-01", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["day"] == "2026-03-01" and payload["window"] == 30
    assert {"key": "members", "value": 1.0}.items() <= next(
        row for row in payload["kpis"] if row["key"] == "members"
    ).items()


@pytest.mark.parametrize(
    "args, message",
    [
        (["backfill_metrics", "--from", "2026-13-01"], "--from takes a date as YYYY-MM-DD"),
        (["backfill_metrics", "--from", "2026-03-02", "--to", "2026-03-01"], "is before"),
        (["backfill_metrics", "--from", "1926-01-01", "--to", "2026-01-01"], "At most"),
        (["metrics_snapshot", "--date", "yesterday"], "--date takes a date"),
    ],
)
def test_bad_dates_are_refused_with_a_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)
    assert not KpiSnapshot.objects.exists()
