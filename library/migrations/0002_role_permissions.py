"""Community managers run the library from the admin: every resource and collection (the
global view permissions let them see private ones too), file versions and downloads. Members
need no permission: what they see is decided by each row's access (library.permissions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Community managers": [
        "library.view_resource",
        "library.add_resource",
        "library.change_resource",
        "library.delete_resource",
        "library.view_collection",
        "library.add_collection",
        "library.change_collection",
        "library.delete_collection",
        # The collection page's inline of ordered items.
        "library.view_collectionitem",
        "library.add_collectionitem",
        "library.change_collectionitem",
        "library.delete_collectionitem",
        "library.view_fileversion",
        "library.view_download",
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
    app_config = apps.get_app_config("library")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    grant_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0001_initial"),
        ("members", "0004_profiles_and_role_permissions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
