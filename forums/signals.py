"""A safety net under members.access for categories: a category saved or deleted outside
forums.services.categories (a shell session, a data migration) still replaces the
community's access version. Grants need none: their tables replace it on every write
(members.access.GrantQuerySet)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from forums.models import Category
from members.access import access_changed_for_everyone


@receiver(post_save, sender=Category, dispatch_uid="forums-access-category-save")
@receiver(post_delete, sender=Category, dispatch_uid="forums-access-category-delete")
def _category_changed(sender, **kwargs) -> None:
    access_changed_for_everyone()
