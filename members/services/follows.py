"""Following a member. A follow is one row (a unique constraint makes double clicks and races
harmless) plus, the first time, a FOLLOW support act for the reciprocity ledger."""

import time

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from community.exceptions import ApplicationError
from members.models import Follow, SupportAct, SupportKind, User
from members.permissions import is_community_member

# Generous for a person, tight for a script that follows everyone to get noticed.
FOLLOW_RATE_LIMIT = 60
FOLLOW_RATE_WINDOW_SECONDS = 60 * 60


class FollowRateLimited(ApplicationError):
    pass


def _follow_rate_limit_consume(*, user_id: int) -> None:
    """Count one new follow against the member's hourly allowance (a fixed window in the
    shared cache, so every web worker sees the same count)."""
    window = int(time.time() // FOLLOW_RATE_WINDOW_SECONDS)
    key = f"members:follow-rate:{user_id}:{window}"
    cache.add(key, 0, timeout=FOLLOW_RATE_WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=FOLLOW_RATE_WINDOW_SECONDS + 60)
        count = 1
    if count > FOLLOW_RATE_LIMIT:
        raise FollowRateLimited(
            f"You have followed {FOLLOW_RATE_LIMIT} members in the last hour, which is the "
            "most allowed. Please try again later."
        )


def _check_follow(*, follower: User, followed: User) -> None:
    if not is_community_member(follower):
        raise PermissionDenied("Only community members can follow other members.")
    if follower.pk == followed.pk:
        raise ValidationError("You can't follow yourself.", code="follow_self")
    if not is_community_member(followed):
        raise ValidationError("You can only follow active members.", code="follow_inactive")


@transaction.atomic
def follow_create(*, follower: User, followed: User) -> Follow:
    """Make `follower` follow `followed`; following again returns the existing row.

    Safe under concurrent requests: the unique constraint decides, and the loser of a race
    returns the winner's row instead of failing. The FOLLOW support act is written directly
    here (the documented integration point with the reciprocity ledger) and names the Follow
    row, so a retried call never records it twice."""
    _check_follow(follower=follower, followed=followed)
    existing = Follow.objects.filter(follower=follower, followed=followed).first()
    if existing is not None:
        return existing
    _follow_rate_limit_consume(user_id=follower.pk)
    follow = Follow(follower=follower, followed=followed)
    # validate_constraints=False: the database checks uniqueness atomically below; a
    # SELECT-then-INSERT check here would only widen the race window.
    follow.full_clean(exclude=["follower", "followed"], validate_constraints=False)
    try:
        with transaction.atomic():
            follow.save()
    except IntegrityError:
        return Follow.objects.get(follower=follower, followed=followed)
    SupportAct.objects.get_or_create(
        giver=follower,
        receiver=followed,
        kind=SupportKind.FOLLOW,
        target_type=ContentType.objects.get_for_model(Follow),
        target_id=follow.pk,
        defaults={"occurred_at": follow.created_at},
    )
    return follow


def follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following. The FOLLOW support act stays: it is history, and the ledger reads
    it as "followed you on …". Returns whether a follow was removed."""
    if not follower.is_authenticated:
        raise PermissionDenied("Sign in to manage whom you follow.")
    deleted, _ = Follow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)
