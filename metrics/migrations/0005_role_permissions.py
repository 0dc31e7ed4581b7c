"""Executives and community managers read the dashboard (metrics.view_dashboard); community
managers also set the targets and hand out API tokens in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Executives": ["metrics.view_dashboard"],
    "Community managers": [
        "metrics.view_dashboard",
        "metrics.view_kpitarget",
        "metrics.add_kpitarget",
        "metrics.change_kpitarget",
        "metrics.delete_kpitarget",
        "metrics.view_apitoken",
        "metrics.add_apitoken",
        "metrics.change_apitoken",
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


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("metrics")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0004_dashboard_permission_and_api_tokens"),
        ("members", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
