"""What replaces the ACL version (forums.permissions.acl_changed): any change that can
change who sees or moderates which category. Rare events, so every member's cached reach
is simply recomputed once on their next page."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from forums.models import Category, CategoryGroupObjectPermission, CategoryUserObjectPermission
from forums.permissions import acl_changed, reach_forget
from members.models import User

_GRANTS = (Category, CategoryGroupObjectPermission, CategoryUserObjectPermission, Group)
_PER_MEMBER = (User.groups.through, User.user_permissions.through)


def _acl_changed(sender, **kwargs) -> None:
    acl_changed()


for model in _GRANTS:
    post_save.connect(_acl_changed, sender=model, dispatch_uid=f"forums-acl-save-{model}")
    post_delete.connect(_acl_changed, sender=model, dispatch_uid=f"forums-acl-delete-{model}")


@receiver(m2m_changed, dispatch_uid="forums-acl-m2m")
def _memberships_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if sender is Group.permissions.through:  # a role's permissions: everyone in it
        acl_changed()
    elif sender in _PER_MEMBER:
        # Joining or leaving a group (every sign-up joins Members) changes only the reach
        # of the people who moved. From the group's side, pk_set holds them; a clear from
        # the group's side does not say who, so it replaces everyone's.
        if not reverse:
            reach_forget([instance.pk])
        elif pk_set:
            reach_forget(pk_set)
        else:
            acl_changed()


@receiver(post_save, sender=User, dispatch_uid="forums-acl-user")
def _user_saved(sender, instance, created, **kwargs) -> None:
    # Superuser, active and approval flags decide a member's own reach, nobody else's; a new
    # account has none cached yet.
    if not created:
        reach_forget([instance.pk])
