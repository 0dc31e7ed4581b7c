"""In-app notifications: the writes (services) and reads (selectors) every app goes through.

Notifications belong to the shared base, so the apps that own events call in:
members for shout-outs and groups, forums later for replies and mentions. Nothing here
imports those apps; a caller renders the sentence (`verb`) and the link (`url`) itself.

The bell shows on every page, so its unread count is cached per member: a page view costs
one cache read, and a COUNT only on a miss. Every write here drops the affected members'
keys after commit, so a count is never stale for longer than a request that raced a write
(the timeout is the backstop). The forums' e-mail preferences and digests build on
`kind`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from community.models import Notification
from community.per_request import cache_get_many_prefetched

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

UNREAD_CACHE_SECONDS = 60 * 60  # busted on every write; the timeout is only a backstop
# The badge says "99+" past this. Counting stops there too, so a member with a huge backlog
# costs the same small COUNT as anyone else.
UNREAD_COUNT_CAP = 99
VERB_MAX_LENGTH = Notification._meta.get_field("verb").max_length
URL_MAX_LENGTH = Notification._meta.get_field("url").max_length


def unread_count_cache_key(user_id: int) -> str:
    """Where the bell's count is cached (a page may prefetch it:
    community.per_request.cache_prefetch)."""
    return f"community:notifications:unread:v1:{user_id}"


def _unread_counts_forget(user_ids: Iterable[int]) -> None:
    keys = [unread_count_cache_key(user_id) for user_id in set(user_ids)]
    if keys:
        # After commit: a request that counts before then must not cache the old number
        # after our delete. Outside a transaction this runs at once.
        transaction.on_commit(lambda: cache.delete_many(keys))


def is_local_path(url: str) -> bool:
    """A path on this site ("/members/maya/#shout-outs-title"), never another host: the
    only kind of link a notification may carry, checked on write and again on redirect."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


# --- Services -----------------------------------------------------------------------------


def notifications_create(
    *,
    recipients: Iterable[AbstractBaseUser],
    kind: str,
    verb: str,
    url: str,
    actor: AbstractBaseUser | None = None,
) -> list[Notification]:
    """Notify each of `recipients` of one event, in one INSERT. Returns the rows written.

    Nobody is notified of their own act (the actor is skipped), inactive accounts (erased,
    deactivated) get nothing, and a recipient listed twice is notified once. `verb` is the
    sentence as shown (plain text; templates escape it), cut to fit; `url` must be a path on
    this site, since the open link redirects to it. Callers inside a transaction should
    call this from `transaction.on_commit`, so a rolled-back event notifies nobody."""
    if not kind or len(kind) > Notification._meta.get_field("kind").max_length:
        raise ValueError(f"Bad notification kind {kind!r}")
    if len(url) > URL_MAX_LENGTH or not is_local_path(url):
        raise ValueError(f"A notification links to a path on this site, not {url!r}")
    verb = Truncator(" ".join(verb.split())).chars(VERB_MAX_LENGTH)
    actor_id = actor.pk if actor is not None else None
    seen: set[int] = set()
    rows = []
    for recipient in recipients:
        if recipient.pk == actor_id or not recipient.is_active or recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        rows.append(
            Notification(recipient=recipient, actor_id=actor_id, kind=kind, verb=verb, url=url)
        )
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    _unread_counts_forget(seen)
    return rows


def notification_create(
    *,
    recipient: AbstractBaseUser,
    kind: str,
    verb: str,
    url: str,
    actor: AbstractBaseUser | None = None,
) -> Notification | None:
    """Notify one member (see notifications_create). None when nothing was written: the
    recipient is the actor, or their account is inactive."""
    rows = notifications_create(recipients=[recipient], kind=kind, verb=verb, url=url, actor=actor)
    return rows[0] if rows else None


def notifications_mark_read(
    *, recipient: AbstractBaseUser, ids: Iterable[int] | None = None
) -> int:
    """Mark `recipient`'s unread notifications read: all of them, or only those in `ids`.
    Ids of other members' notifications are ignored (the filter is on the recipient, so a
    forged id changes nothing). Returns how many changed; the count is forgotten only then."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    now = timezone.now()
    changed = unread.update(read_at=now, updated_at=now)
    if changed:
        _unread_counts_forget([recipient.pk])
    return changed


def notifications_delete_for_user(*, user_id: int) -> int:
    """Delete what an erased account leaves in notifications: the ones they received (theirs)
    and the ones they caused, whose sentence carries their name. Returns rows deleted."""
    caused = Notification.objects.filter(actor_id=user_id, read_at__isnull=True)
    affected = {user_id, *caused.values_list("recipient_id", flat=True).distinct()}
    deleted, _ = Notification.objects.filter(Q(recipient_id=user_id) | Q(actor_id=user_id)).delete()
    _unread_counts_forget(affected)
    return deleted


# --- Selectors ----------------------------------------------------------------------------


def notification_list_for(*, recipient: AbstractBaseUser) -> QuerySet[Notification]:
    """A member's notifications, newest first, with the actor joined (one query per page)."""
    return (
        Notification.objects.filter(recipient=recipient)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def notification_get_for(
    *, recipient: AbstractBaseUser, notification_id: int
) -> Notification | None:
    """One of `recipient`'s notifications; None for a missing id or someone else's (the
    caller answers 404 for both, so ids cannot be probed)."""
    return Notification.objects.filter(recipient=recipient, pk=notification_id).first()


def unread_count_for(*, user_id: int) -> int:
    """How many unread notifications the member has, capped at UNREAD_COUNT_CAP + 1 (shown
    as "99+"). One cache read; one COUNT over the partial unread index on a miss."""
    key = unread_count_cache_key(user_id)
    count = cache_get_many_prefetched([key]).get(key)
    if count is None:
        count = (
            Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
            .order_by()[: UNREAD_COUNT_CAP + 1]
            .count()
        )
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


@dataclass(frozen=True)
class UnreadBadge:
    """What the bell shows: the count, and its label ("3", "99+")."""

    count: int

    @property
    def label(self) -> str:
        return f"{UNREAD_COUNT_CAP}+" if self.count > UNREAD_COUNT_CAP else str(self.count)
