"""The nightly KPI snapshot as a django-celery-beat row (see community's 0006 migration for
why periodic jobs are rows, not settings): 01:30, once the day has ended and before the
02:30 trust-level pass changes anything the KPIs read."""

from django.db import migrations

NAME = "metrics-snapshot-yesterday"


def create_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    fields = {
        "minute": "30",
        "hour": "1",
        "day_of_week": "*",
        "day_of_month": "*",
        "month_of_year": "*",
        "timezone": CrontabSchedule._meta.get_field("timezone").get_default(),
    }
    crontab = CrontabSchedule.objects.filter(**fields).first()
    crontab = crontab or CrontabSchedule.objects.create(**fields)
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "metrics.snapshot_yesterday",
            "expire_seconds": 6 * 60 * 60,
            "description": "01:30 nightly: one snapshot per KPI and window for the day that "
            "ended (idempotent; a day already stored is left as it is).",
            "enabled": True,
            "crontab": crontab,
            "interval": None,
        },
    )


def delete_task(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("community", "0006_default_periodic_tasks"),
    ]

    operations = [migrations.RunPython(create_task, delete_task)]
