"""The demo's KPI history: weekly, then daily up to yesterday, computed by the worker after
the seed (or at once when asked), so the dashboard has something to show on first run."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from community.timezones import community_today
from demo import metrics as demo_metrics
from metrics.catalogue import CATALOGUE
from metrics.models import WINDOWS, KpiSnapshot

pytestmark = pytest.mark.django_db


def test_snapshot_days_are_weekly_then_daily_up_to_the_last_day(monkeypatch):
    monkeypatch.setattr(demo_metrics, "HISTORY_DAYS", 30)
    monkeypatch.setattr(demo_metrics, "DAILY_DAYS", 5)
    days = demo_metrics.demo_snapshot_days(date(2026, 3, 31))
    assert days[-5:] == [date(2026, 3, d) for d in range(27, 32)]
    assert days[:-5] == [date(2026, 3, d) for d in (3, 10, 17, 24)]  # 28, 21, 14, 7 days back


def test_the_seed_computes_the_history_with_the_worker_or_at_once(monkeypatch, settings):
    monkeypatch.setattr(demo_metrics, "HISTORY_DAYS", 3)
    monkeypatch.setattr(demo_metrics, "DAILY_DAYS", 3)
    out = StringIO()
    # Tests run Celery eagerly: "background" runs the worker's task inline.
    call_command("seed_demo", "--no-progress", "--members", "10", stdout=out)
    yesterday = community_today() - timedelta(days=1)
    days = {yesterday - timedelta(days=n) for n in range(3)}
    assert set(KpiSnapshot.objects.values_list("day", flat=True)) == days
    assert KpiSnapshot.objects.count() == 3 * len(CATALOGUE) * len(WINDOWS)
    assert "KPI snapshots over 3 days" in out.getvalue()
    members = KpiSnapshot.objects.get(key="members", day=yesterday, window=30).value
    assert members >= 10
    # And the two 90-day plans: the period before last published with a narrative, the
    # last one a draft, both on the community's own history.
    from plans.models import PlanReport, ReportStatus

    reports = list(PlanReport.objects.order_by("period_start"))
    assert [r.status for r in reports] == [ReportStatus.PUBLISHED, ReportStatus.DRAFT]
    assert reports[1].period_end == yesterday
    assert "Beta Program" in reports[0].html
    assert bytes(reports[0].pdf).startswith(b"%PDF-")
    assert "two 90-day plans" in out.getvalue()


def test_the_demo_sets_targets_owned_by_the_community_manager():
    from metrics.catalogue import CATALOGUE as kpis
    from metrics.models import KpiTarget

    call_command("seed_demo", "--no-progress", "--history", "none", "--members", "10")
    targets = list(KpiTarget.objects.select_related("owner"))
    assert len(targets) == 5
    assert {t.owner.username for t in targets} == {"carmen"}
    assert all(t.key in kpis for t in targets)
