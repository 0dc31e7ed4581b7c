from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from forums.models import Category
from members.access import access_changed_for_everyone


@transaction.atomic
def category_save(*, category: Category) -> Category:
    """Create or change a category (the admin's form has validated it). Its access and its
    parent decide who sees it and everything under it, so everyone's cached access is
    replaced."""
    category.save()
    access_changed_for_everyone()
    return category


@transaction.atomic
def category_delete(*, category: Category) -> None:
    """Delete a category with its topics and grants (the admin asks first)."""
    category.delete()
    access_changed_for_everyone()


def category_access_grant(*, category: Category, group: Group) -> None:
    """Open a private category to every member of `group` (an auth Group, usually a private
    group's): they see it and post in it. Idempotent. The grant table replaces everyone's
    access version itself (members.access.GrantQuerySet)."""
    assign_perm("forums.view_category", group, category)


def category_access_revoke(*, category: Category, group: Group) -> None:
    remove_perm("forums.view_category", group, category)
