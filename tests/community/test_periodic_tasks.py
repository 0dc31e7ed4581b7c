"""The periodic jobs live in django-celery-beat's tables from `migrate` on, and beat keeps what
a community manager changed there."""

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from community.celery import app as celery_app

SIX_HOURS = 6 * 60 * 60

# name: (task, schedule, expire_seconds); a crontab as "minute hour day_of_week".
EXPECTED = {
    "members-recompute-trust-levels": ("members.recompute_trust_levels", "30 2 *", SIX_HOURS),
    "community-clean-orphan-permissions": (
        "community.clean_orphan_permissions",
        "30 3 0",
        SIX_HOURS,
    ),
    "forums-flush-views-and-reads": ("forums.flush_views_and_reads", "every 60 s", 55),
    "forums-send-bookmark-reminders": ("forums.send_bookmark_reminders", "every 300 s", 240),
    "forums-purge-unused-images": ("forums.purge_unused_images", "15 4 *", SIX_HOURS),
    "forums-send-digests": ("forums.send_digests", "0 7 *", SIX_HOURS),
    "metrics-snapshot-yesterday": ("metrics.snapshot_yesterday", "30 1 *", SIX_HOURS),
    "plans-report-due": ("plans.report_due", "0 3 *", SIX_HOURS),
}


def _when(task: PeriodicTask) -> str:
    if task.interval:
        assert task.interval.period == IntervalSchedule.SECONDS
        return f"every {task.interval.every} s"
    cron = task.crontab
    assert (cron.day_of_month, cron.month_of_year) == ("*", "*")
    assert str(cron.timezone) == settings.CELERY_TIMEZONE
    return f"{cron.minute} {cron.hour} {cron.day_of_week}"


def test_migrate_creates_the_default_schedules_with_their_expiry(db):
    found = {
        task.name: (task.task, _when(task), task.expire_seconds)
        for task in PeriodicTask.objects.select_related("interval", "crontab")
    }
    assert found == EXPECTED
    assert all(PeriodicTask.objects.values_list("enabled", flat=True))


def test_no_schedule_is_kept_in_settings():
    # Beat writes every entry of CELERY_BEAT_SCHEDULE over its row at each start: a default
    # schedule belongs in a data migration, where a manager's edit is not undone.
    assert settings.CELERY_BEAT_SCHEDULE == {}


def test_beat_starting_keeps_a_managers_edit(migration_data):
    digests = PeriodicTask.objects.get(name="forums-send-digests")
    digests.crontab = CrontabSchedule.objects.create(
        minute="45", hour="9", day_of_week="1-5", timezone=settings.CELERY_TIMEZONE
    )
    digests.expire_seconds = 60 * 60
    digests.save()
    flush = PeriodicTask.objects.get(name="forums-flush-views-and-reads")
    flush.enabled = False
    flush.save()

    # What beat does when it starts (setup_schedule, from the constructor) and as it runs.
    scheduler = DatabaseScheduler(app=celery_app)
    scheduler.sync()
    scheduler.close()

    digests.refresh_from_db()
    assert (digests.crontab.minute, digests.crontab.hour, digests.crontab.day_of_week) == (
        "45",
        "9",
        "1-5",
    )
    assert digests.expire_seconds == 60 * 60
    assert not PeriodicTask.objects.get(name="forums-flush-views-and-reads").enabled
    # No task of beat's own appears beside the defaults.
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == set(EXPECTED)

    # Beat sends the edited values, and each default's expiry (a crontab entry is only in
    # scheduler.schedule around its hour, so the digests' entry is built from its row).
    entry = DatabaseScheduler.Entry(digests, app=celery_app)
    assert entry.options["expires"] == 60 * 60
    assert (entry.schedule.minute, entry.schedule.hour) == ({45}, {9})
    assert scheduler.schedule["forums-send-bookmark-reminders"].options["expires"] == 240
    assert "forums-flush-views-and-reads" not in scheduler.schedule
