from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm

from forums.models import Category


def category_access_grant(*, category: Category, group: Group) -> None:
    """Open a private category to every member of `group` (an auth Group, usually a private
    group's): they see it and post in it. Idempotent."""
    assign_perm("forums.view_category", group, category)


def category_access_revoke(*, category: Category, group: Group) -> None:
    remove_perm("forums.view_category", group, category)
