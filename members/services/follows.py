"""Following a member. A follow is one row (a unique constraint makes double clicks and races
harmless) plus, the first time ever, a FOLLOW support act for the reciprocity ledger."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from community.ratelimit import RateLimit, rate_limit_hit
from members.access import member_pages_changed
from members.models import Follow, SupportAct, SupportKind, User
from members.permissions import is_community_member
from members.services.reciprocity import ledger_changed

# Generous for a person, tight for a script that follows everyone to get noticed.
FOLLOW_LIMITS = (RateLimit(count=60, seconds=60 * 60, description="60 follows an hour"),)


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
    returns the winner's row instead of failing. Raises community.ratelimit.RateLimited past
    FOLLOW_LIMITS (following someone already followed costs nothing).

    The FOLLOW support act is written directly here (the documented integration point with
    the reciprocity ledger). Its target is the followed member, not the Follow row: a new row
    each time would let follow → unfollow → follow farm support acts, while the act's unique
    constraint makes "followed this person" count once per pair, ever."""
    _check_follow(follower=follower, followed=followed)
    existing = Follow.objects.filter(follower=follower, followed=followed).first()
    if existing is not None:
        return existing
    rate_limit_hit(scope="follow", key=follower.pk, limits=FOLLOW_LIMITS)
    follow = Follow(follower=follower, followed=followed)
    # validate_constraints=False: the database checks uniqueness atomically below; a
    # SELECT-then-INSERT check here would only widen the race window.
    follow.full_clean(exclude=["follower", "followed"], validate_constraints=False)
    try:
        with transaction.atomic():
            follow.save()
    except IntegrityError:
        return Follow.objects.get(follower=follower, followed=followed)
    # get_or_create runs in its own savepoint and falls back to the existing row should a
    # concurrent request (from another session of the same member) insert it first.
    SupportAct.objects.get_or_create(
        giver=follower,
        receiver=followed,
        kind=SupportKind.FOLLOW,
        target_type=ContentType.objects.get_for_model(User),
        target_id=followed.pk,
        defaults={"occurred_at": follow.created_at},
    )
    ledger_changed(user_ids=[follower.pk, followed.pk])
    member_pages_changed(user_ids=[follower.pk, followed.pk], directory=False)  # the counts
    return follow


def follow_delete(*, follower: User, followed: User) -> bool:
    """Stop following. The FOLLOW support act stays: it is history, and the ledger reads
    it as "followed you on …". Returns whether a follow was removed."""
    if not follower.is_authenticated:
        raise PermissionDenied("Sign in to manage whom you follow.")
    deleted, _ = Follow.objects.filter(follower=follower, followed=followed).delete()
    if deleted:
        member_pages_changed(user_ids=[follower.pk, followed.pk], directory=False)
    return bool(deleted)
