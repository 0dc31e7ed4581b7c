"""Reactions to posts: like plus the small fixed set in forums.models.ReactionKind.

Adding and removing are separate, explicit actions (not a toggle on the server), so a
double click or two racing requests that both say "add" store one reaction: the database's
unique constraint decides, and the loser's IntegrityError stays inside its savepoint."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import Post, Reaction, ReactionKind
from forums.permissions import check_react, check_view_post
from forums.services.posts import topic_touch
from members.models import SupportKind, User
from members.services.reciprocity import support_act_record

# Generous for someone reading a long thread, tight for a script; adding and removing both
# count, so flipping a reaction on and off cannot be used to hammer the database.
REACTION_LIMITS = (
    RateLimit(count=30, seconds=60, description="30 reactions a minute"),
    RateLimit(count=300, seconds=24 * 60 * 60, description="300 reactions a day"),
)


def reaction_kind_clean(kind: str) -> str:
    if kind not in ReactionKind.values:
        raise ValidationError("Pick one of the reactions shown.", code="invalid_kind")
    return kind


@transaction.atomic
def reaction_add(*, post: Post, user: User, kind: str) -> bool:
    """React to `post` with `kind`; True when stored now, False when it already was.

    Preconditions (PermissionDenied with the reason): `user` is a community member, not
    suspended, may see the post, which is neither theirs nor hidden, in a topic that is not
    hidden. An unknown kind is a ValidationError; past REACTION_LIMITS, RateLimited.
    `Post.reaction_count` moves with F() only when a row was really inserted. A first
    reaction of any kind to someone's post records one REACTION support act (target: the
    post); further kinds, or removing and adding again, record nothing more."""
    check_react(user, post)
    kind = reaction_kind_clean(kind)
    rate_limit_hit(scope="forum-react", key=user.pk, limits=REACTION_LIMITS)
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user, kind=kind)
    except IntegrityError:
        return False
    Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
    topic_touch(post.topic_id)
    if post.author is not None:
        support_act_record(giver=user, receiver=post.author, kind=SupportKind.REACTION, target=post)
    return True


@transaction.atomic
def reaction_remove(*, post: Post, user: User, kind: str) -> bool:
    """Take back `user`'s `kind` reaction to `post`; True when one was removed. Allowed
    wherever the member can still see the post (also when suspended, or when the post was
    hidden since): taking something back harms nobody. The support act stays: the ledger is
    append-only, and adding the reaction again does not count twice."""
    check_view_post(user, post)
    kind = reaction_kind_clean(kind)
    rate_limit_hit(scope="forum-react", key=user.pk, limits=REACTION_LIMITS)
    deleted, _ = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    if not deleted:
        return False
    Post.objects.filter(pk=post.pk, reaction_count__gt=0).update(
        reaction_count=F("reaction_count") - 1
    )
    topic_touch(post.topic_id)
    return True
