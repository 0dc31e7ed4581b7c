"""Access versions: the contract between the code that changes who may see or do what and
the code that caches it.

Working out a member's reach (which categories they see and moderate) takes guardian's
permission subqueries, so it is cached (forums.permissions). A cached answer is only ever
used while two versions it was stamped with are still current:

  the member's version     replaced when something about that person changes: they join or
                           leave a group, are given or lose a role, are approved, suspended,
                           deactivated or erased;
  the community's version  replaced when something changes for many people at once: a
                           category's access or parent, a guardian grant on a category or a
                           group, a group deleted or hidden, a role's permissions.

The services that make those changes replace the versions themselves (`access_changed`,
`access_changed_for_everyone`), in the transaction that makes the change: at once, so the
transaction's own later reads see it, and again after commit, so an answer that another
request computed from the not-yet-committed state in between is not kept either. Signals
(forums.signals) only back this up for writes that go through no service, such as a role's
permissions edited in the admin.

Guardian's grant tables for categories and groups carry `GrantQuerySet`, so a grant or a
revoke replaces the community's version however it is made: `assign_perm`/`remove_perm`,
their bulk forms, the admin's object-permission pages, or a queryset update.

The member pages (members.page_cache) follow the same contract with versions of their own:
the directory's, each member's profile's and every profile's (`member_pages_changed`,
called by the services that change what those pages show; `access_changed` calls it too,
since joining, leaving, approval, suspension and erasure change who is listed and where).

A version that is missing from the cache (evicted, expired, never written) is created
afresh with a random value, so an entry stamped with an older one can never pass."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import uuid4

from django.core.cache import cache
from django.db import models, transaction
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager

from community.per_request import per_request_forget

COMMUNITY_VERSION_KEY = "access:version:community"
# A member's version may lapse: a new random one replaces it, which only costs a recompute.
MEMBER_VERSION_SECONDS = 24 * 60 * 60


def member_version_key(user_id: int) -> str:
    return f"access:version:member:{user_id}"


def _replace(keys: list[str], timeout: int | None) -> None:
    if not keys:
        return
    cache.set_many({key: uuid4().hex for key in keys}, timeout=timeout)
    per_request_forget()


def versions_replace(keys: list[str], timeout: int | None) -> None:
    """Replace these version entries, now and again after commit (see above why both); for
    other versions kept the same way (the supporters ledger's, say)."""
    _replace(keys, timeout)
    # robust: the change is committed; a cache hiccup now must not turn it into an error page
    # (the replacement inside the transaction already made every stamp stale).
    transaction.on_commit(lambda: _replace(keys, timeout), robust=True)


def access_changed(*, user_ids: Iterable[int]) -> None:
    """What these members may see or do has changed: their cached access is out of date,
    and so are the member pages that show them (who is listed, their groups)."""
    user_ids = sorted(set(user_ids))
    if user_ids:
        versions_replace(
            [member_version_key(user_id) for user_id in user_ids], MEMBER_VERSION_SECONDS
        )
        member_pages_changed(user_ids=user_ids)


def access_changed_for_everyone() -> None:
    """What anyone may see or do may have changed: everyone's cached access is out of date.
    The member pages key on the community's version too (a group hidden, renamed)."""
    versions_replace([COMMUNITY_VERSION_KEY], None)


# --- Member pages (members.page_cache) ----------------------------------------------------
# The directory's version: replaced whenever what it lists or shows may have changed (someone
# joined, left, was erased, edited their profile, moved trust level; a group's membership).
DIRECTORY_VERSION_KEY = "members:version:directory"
# Every profile at once: changes made in bulk (the nightly trust levels).
EVERY_PROFILE_VERSION_KEY = "members:version:profiles"


def profile_version_key(user_id: int) -> str:
    return f"members:version:profile:{user_id}"


def member_pages_changed(
    *, user_ids: Iterable[int] = (), directory: bool = True, every_profile: bool = False
) -> None:
    """What the member pages show about these members changed: their profiles, and (with
    `directory`) the directory's pages; `every_profile` for a change made to many at once.
    Called by the services that make the change, like access_changed."""
    keys = sorted({profile_version_key(user_id) for user_id in user_ids})
    if every_profile:
        keys.append(EVERY_PROFILE_VERSION_KEY)
    versions_replace(keys, MEMBER_VERSION_SECONDS)
    if directory:
        versions_replace([DIRECTORY_VERSION_KEY], None)


def access_version_keys(user_id: int | None) -> list[str]:
    """The cache entries holding the versions an access answer for `user_id` depends on
    (None: a visitor, who depends on the community's only). A page can fetch them in the
    same round trip as its own entries."""
    if user_id is None:
        return [COMMUNITY_VERSION_KEY]
    return [COMMUNITY_VERSION_KEY, member_version_key(user_id)]


def access_versions(user_id: int | None, found: dict) -> tuple[str, ...]:
    """The current versions for `user_id`, taken from `found` (a cache.get_many of
    `access_version_keys(user_id)`); a missing one is created. Read them before computing
    what they stamp: a change committed after the read then makes the stamp stale."""
    return versions_read(
        {
            key: None if key == COMMUNITY_VERSION_KEY else MEMBER_VERSION_SECONDS
            for key in access_version_keys(user_id)
        },
        found,
    )


def versions_read(timeouts: dict[str, int | None], found: dict) -> tuple[str, ...]:
    """The current versions under `timeouts`' keys (in its order), taken from `found` (a
    cache.get_many of them); a missing one is created, to last its timeout."""
    versions = []
    for key, timeout in timeouts.items():
        version = found.get(key)
        if version is None:
            cache.add(key, uuid4().hex, timeout=timeout)
            version = cache.get(key)
        versions.append(version)
    return tuple(versions)


class GrantQuerySet(models.QuerySet):
    """For guardian's grant tables: every way of writing grants in bulk replaces the
    community's access version."""

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        access_changed_for_everyone()
        return created

    def update(self, **kwargs):
        updated = super().update(**kwargs)
        access_changed_for_everyone()
        return updated

    def delete(self):
        deleted = super().delete()
        access_changed_for_everyone()
        return deleted


class UserGrantManager(UserObjectPermissionManager.from_queryset(GrantQuerySet)):
    pass


class GroupGrantManager(GroupObjectPermissionManager.from_queryset(GrantQuerySet)):
    pass


class GrantModelMixin:
    """One grant saved or deleted on its own (guardian's `assign_perm` creates one this way)
    replaces the community's access version too."""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        access_changed_for_everyone()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        access_changed_for_everyone()
        return deleted
