"""A safety net under members.access: writes that go through no service (a role's
permissions or a person's groups edited in the admin, a shell session) still replace the
access versions. The services replace them themselves; these receivers only catch what
bypasses them, and cannot catch `bulk_create`, `.update()` or raw SQL on these tables."""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from members.access import access_changed, access_changed_for_everyone
from members.models import User

_PER_MEMBER = (User.groups.through, User.user_permissions.through)


@receiver(post_save, sender=Group, dispatch_uid="members-access-group-save")
@receiver(post_delete, sender=Group, dispatch_uid="members-access-group-delete")
def _group_changed(sender, **kwargs) -> None:
    access_changed_for_everyone()


@receiver(m2m_changed, dispatch_uid="members-access-m2m")
def _memberships_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if sender is Group.permissions.through:  # a role's permissions: everyone in it
        access_changed_for_everyone()
    elif sender in _PER_MEMBER:
        # From the group's side pk_set holds the people who moved; a clear from that side
        # does not say who, so it replaces everyone's.
        if not reverse:
            access_changed(user_ids=[instance.pk])
        elif pk_set:
            access_changed(user_ids=pk_set)
        else:
            access_changed_for_everyone()


@receiver(post_save, sender=User, dispatch_uid="members-access-user")
def _user_saved(sender, instance, created, **kwargs) -> None:
    # Superuser, active, approval and erasure decide a member's own access, nobody else's;
    # a new account has nothing cached yet.
    if not created:
        access_changed(user_ids=[instance.pk])
