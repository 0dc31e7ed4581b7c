from celery import shared_task


@shared_task(name="community.clean_orphan_permissions", ignore_result=True, acks_late=True)
def clean_orphan_permissions_task() -> int:
    """Remove guardian object permissions whose object no longer exists (generic grants
    only; models with direct-FK permission tables cascade on delete)."""
    from guardian.utils import clean_orphan_obj_perms

    return clean_orphan_obj_perms()
