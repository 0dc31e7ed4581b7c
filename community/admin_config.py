from django.contrib.admin.apps import AdminConfig


class HearthAdminConfig(AdminConfig):
    """django.contrib.admin with the community managers' site (community.admin_site) as
    `admin.site`, so every app's and library's `admin.register` lands on it. A module of its
    own: community.apps must declare only the community app's config."""

    default_site = "community.admin_site.HearthAdminSite"
