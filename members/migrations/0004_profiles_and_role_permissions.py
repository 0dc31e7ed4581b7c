"""Every existing account gets its (empty) profile, and the roles get the permissions of the
models added in 0003."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Moderators": [
        "members.view_shoutout",
        "members.change_shoutout",
        "members.view_profile",
    ],
    "Community managers": [
        "members.view_profile",
        "members.change_profile",
        "members.view_expertisetag",
        "members.add_expertisetag",
        "members.change_expertisetag",
        "members.view_groupprofile",
        "members.add_groupprofile",
        "members.change_groupprofile",
        "members.manage_groupprofile",
        "members.view_groupmembershiprequest",
        "members.change_groupmembershiprequest",
        "members.view_groupinvitation",
        "members.view_memberapplication",
        "members.change_memberapplication",
        "members.view_shoutout",
        "members.change_shoutout",
        "members.view_supportact",
        "members.view_follow",
    ],
}


def create_profiles(apps, schema_editor):
    User = apps.get_model("members", "User")
    Profile = apps.get_model("members", "Profile")
    missing = User.objects.filter(profile__isnull=True).values_list("pk", flat=True)
    Profile.objects.bulk_create([Profile(user_id=pk) for pk in missing.iterator()], batch_size=1000)


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
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_role_permissions(apps)
    create_profiles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("members", "0003_profiles_groups_reciprocity")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
