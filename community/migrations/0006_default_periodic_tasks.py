"""The default periodic jobs, as rows of django-celery-beat's tables: from `migrate` on they
are listed in the admin (Periodic tasks), where a community manager can change when they
run, and beat reads them from there. Beat never writes them back (CELERY_BEAT_SCHEDULE is
empty), so an edit stays.

The values are frozen here, not imported: a migration must give the same result whatever
the code looks like later. A new periodic job gets a migration of its own; changing a default
here would not reach a database that has already migrated."""

from django.db import migrations

SIX_HOURS = 6 * 60 * 60

# name, task, schedule, expire_seconds, description. A schedule is ("crontab", minute, hour,
# day_of_week) in the community's time zone (CELERY_TIMEZONE) or ("every", seconds).
DEFAULT_PERIODIC_TASKS = [
    (
        "members-recompute-trust-levels",
        "members.recompute_trust_levels",
        ("crontab", "30", "2", "*"),
        SIX_HOURS,
        "02:30 nightly, after the day's visits are in: one UPDATE over all members for trust "
        "levels, one for the directory's \"most helpful\" scores.",
    ),
    (
        "community-clean-orphan-permissions",
        "community.clean_orphan_permissions",
        ("crontab", "30", "3", "0"),
        SIX_HOURS,
        "Sunday 03:30, a quiet hour: object permissions left behind by deleted objects.",
    ),
    (
        "forums-flush-views-and-reads",
        "forums.flush_views_and_reads",
        ("every", 60),
        55,
        "Topic views and read positions are counted in the cache; this writes them to the "
        "database in bulk.",
    ),
    (
        "forums-send-bookmark-reminders",
        "forums.send_bookmark_reminders",
        ("every", 5 * 60),
        4 * 60,
        "Bookmark reminders that have come due.",
    ),
    (
        "forums-purge-unused-images",
        "forums.purge_unused_images",
        ("crontab", "15", "4", "*"),
        SIX_HOURS,
        "04:15 nightly: images uploaded and never posted.",
    ),
    (
        "forums-send-digests",
        "forums.send_digests",
        ("crontab", "0", "7", "*"),
        SIX_HOURS,
        "Digests at 07:00: daily every day, weekly on Mondays (the task decides who is due).",
    ),
]


def create_default_periodic_tasks(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, schedule, expire_seconds, description in DEFAULT_PERIODIC_TASKS:
        if schedule[0] == "every":
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=schedule[1], period="seconds"
            )
            when = {"interval": interval, "crontab": None}
        else:
            _, minute, hour, day_of_week = schedule
            fields = {
                "minute": minute,
                "hour": hour,
                "day_of_week": day_of_week,
                "day_of_month": "*",
                "month_of_year": "*",
                # The model's default: the community's time zone (CELERY_TIMEZONE).
                "timezone": CrontabSchedule._meta.get_field("timezone").get_default(),
            }
            crontab = CrontabSchedule.objects.filter(**fields).first()
            crontab = crontab or CrontabSchedule.objects.create(**fields)
            when = {"crontab": crontab, "interval": None}
        # A row beat created from the old settings keeps its name; it gets the defaults.
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "expire_seconds": expire_seconds,
                "description": description,
                "enabled": True,
                **when,
            },
        )


def delete_default_periodic_tasks(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    names = [name for name, *_ in DEFAULT_PERIODIC_TASKS]
    PeriodicTask.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_emailpreferences"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_default_periodic_tasks, delete_default_periodic_tasks),
    ]
