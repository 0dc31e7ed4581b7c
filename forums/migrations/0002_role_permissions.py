"""The roles get the forums' global permissions. Posting in public and members-only
categories needs no permission (any community member may, forums.permissions); private
categories are opened to groups with guardian object grants, not here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Moderators": [
        "forums.moderate_category",
    ],
    "Community managers": [
        "forums.view_category",
        "forums.add_category",
        "forums.change_category",
        "forums.moderate_category",
        "forums.view_topic",
        "forums.change_topic",
        "forums.view_post",
        "forums.change_post",
    ],
}


def grant_role_permissions(apps, role_permissions=ROLE_PERMISSIONS):
    """Idempotent; tests call it to restore the roles after a transactional flush, and
    later migrations call it with the permissions they add."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in role_permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("forums")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0001_initial"),
        ("members", "0004_profiles_and_role_permissions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
