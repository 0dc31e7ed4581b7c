"""The daily check for a 90-day period that ended (a django-celery-beat row, like every
periodic job: 03:00, after the night's KPI snapshot at 01:30), the settings row, and the
roles: Executives read reports; Community managers read, make, edit and publish them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NAME = "plans-report-due"
ROLE_PERMISSIONS = {
    "Executives": ["plans.view_planreport"],
    "Community managers": [
        "plans.view_planreport",
        "plans.add_planreport",
        "plans.change_planreport",
        "plans.delete_planreport",
        "plans.view_plansettings",
        "plans.change_plansettings",
    ],
}


def grant_role_permissions(apps):
    """Idempotent; tests call it to restore the roles after a transactional flush."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def create_task(apps):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    fields = {
        "minute": "0",
        "hour": "3",
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
            "task": "plans.report_due",
            "expire_seconds": 6 * 60 * 60,
            "description": "03:00 daily: when a 90-day plan period ended yesterday, make its "
            "report (idempotent; an existing report is left as it is).",
            "enabled": True,
            "crontab": crontab,
            "interval": None,
        },
    )


def create_settings_row(apps):
    apps.get_model("plans", "PlanSettings").objects.get_or_create(pk=1)


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("plans")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_role_permissions(apps)
    create_task(apps)
    create_settings_row(apps)


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_plan_reports"),
        ("members", "0002_roles"),
        ("community", "0006_default_periodic_tasks"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
