"""The four roles as auth groups with their model permissions.

Per-object rights (a private category, a moderated category) are guardian grants made by
later issues; these are the global capabilities. Later migrations that add permissions
grant them to roles themselves."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Members": [
        "members.view_member_directory",
    ],
    "Moderators": [
        "members.view_member_directory",
        "members.moderate_community",
        "members.view_user",
    ],
    "Community managers": [
        "members.view_member_directory",
        "members.moderate_community",
        "members.view_kpi_dashboard",
        "members.view_user",
        "members.change_user",
        "auth.view_group",
        "auth.add_group",
        "auth.change_group",
        "community.view_sitebranding",
        "community.change_sitebranding",
        "community.view_footerlink",
        "community.add_footerlink",
        "community.change_footerlink",
        "community.delete_footerlink",
        "account.view_emailaddress",
        "account.change_emailaddress",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.change_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.add_intervalschedule",
        "django_celery_beat.change_intervalschedule",
    ],
    "Executives": [
        "members.view_kpi_dashboard",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now
    # so this migration can grant them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    grant_role_permissions(apps)


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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("community", "0002_default_branding"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
