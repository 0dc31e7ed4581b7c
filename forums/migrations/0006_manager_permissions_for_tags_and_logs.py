"""Community managers define tags and read the moderation log, flags and search log in the
admin through ordinary model permissions (the admin used to borrow change_category)."""

import importlib

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Community managers": [
        "forums.view_tag",
        "forums.add_tag",
        "forums.change_tag",
        "forums.delete_tag",
        "forums.view_flag",
        "forums.view_moderationevent",
        "forums.view_searchquery",
    ],
}


def grant_role_permissions(apps):
    """Idempotent; tests call it to restore the roles after a transactional flush."""
    importlib.import_module("forums.migrations.0002_role_permissions").grant_role_permissions(
        apps, ROLE_PERMISSIONS
    )


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("forums")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("forums", "0005_latest_pinned_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
