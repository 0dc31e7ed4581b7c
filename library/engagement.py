"""What members do with a resource besides reading it: comment (a forum topic linked to the
resource), react (the forum's reaction kinds) and share (a copy-able link, counted once a
day, credited in the reciprocity ledger).

Comments are forum posts written through forums.services, so the forum's rules apply to
them (who may post, content and rate limits, notifications, moderation). The topic lives
in a category no wider than the resource (discussion_refusal): the library's discussion
category (members-only, made on first use) for public and members-only resources, and for a
private resource the private category set on it, whose groups must all be groups the
resource is open to."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from community.exceptions import ApplicationError
from community.ratelimit import rate_limit_hit
from forums.models import Category, CategoryAccess, Post, ReactionKind, Topic
from forums.permissions import suspension_refusal
from forums.services.categories import category_save
from forums.services.posts import post_create
from forums.services.reactions import REACTION_LIMITS
from forums.services.topics import topic_create
from library.models import LibraryAccess, Resource, ResourceReaction, Share
from library.permissions import (
    access_within,
    category_access_ceiling,
    resource_group_ids,
)
from members.models import SupportKind, User
from members.permissions import is_community_member
from members.services.reciprocity import support_act_record

DISCUSSION_CATEGORY_NAME = "Library discussions"
COMMENTS_CLOSED = (
    "Comments on this resource are closed: it is private and has no discussion category "
    "that only its groups can read. A community manager can set one on the resource."
)

# --- Comments -------------------------------------------------------------------------------


def default_discussion_category(*, create: bool = False) -> Category | None:
    """The category comments on public and members-only resources go to (its slug is the
    LIBRARY_DISCUSSION_CATEGORY setting); made members-only on first use when `create`."""
    slug = settings.LIBRARY_DISCUSSION_CATEGORY
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None and create:
        category = category_save(
            category=Category(
                name=DISCUSSION_CATEGORY_NAME,
                slug=slug,
                description="Comments on the library's guides, files and links.",
                access=CategoryAccess.MEMBERS,
                position=1000,
            )
        )
    return category


def discussion_refusal(resource: Resource, category: Category | None) -> str | None:
    """Why comments on `resource` may not be held in `category` (None when they may): the
    category may not be read by anyone the resource is hidden from."""
    if category is None:
        return COMMENTS_CLOSED
    ceiling = category_access_ceiling(category)
    if not access_within(ceiling.access, resource.access):
        return COMMENTS_CLOSED
    if resource.access == LibraryAccess.PRIVATE and not (
        ceiling.group_ids and ceiling.group_ids <= resource_group_ids(resource)
    ):
        return COMMENTS_CLOSED
    return None


def discussion_category_for(resource: Resource, *, create: bool = False) -> Category | None:
    if resource.discussion_category_id is not None:
        return Category.objects.select_related("parent").get(pk=resource.discussion_category_id)
    if resource.access == LibraryAccess.PRIVATE:
        return None
    return default_discussion_category(create=create)


def discussion_topic_for(resource: Resource) -> Topic | None:
    """The resource's comment topic while it still fits the resource: a resource made
    narrower since keeps its old topic where it was, off its page, and the next comment
    starts a new one in a category that fits."""
    if resource.discussion_topic_id is None:
        return None
    topic = (
        Topic.objects.select_related("category__parent")
        .filter(pk=resource.discussion_topic_id, merged_into__isnull=True)
        .first()
    )
    if topic is None or discussion_refusal(resource, topic.category) is not None:
        return None
    return topic


def _comment_opening(resource: Resource, body: str) -> str:
    title = "".join(f"\\{c}" if c in "\\`*_[]()<>#!|" else c for c in resource.title)
    return f"*About [{title}]({resource.get_absolute_url()}) in the library.*\n\n{body}"


@transaction.atomic
def comment_add(*, resource: Resource, author: User, body: str) -> Post:
    """A comment on `resource` (one the author may see): a reply in its discussion topic, or,
    for the first comment, a new topic (titled after the resource and linking to it) in
    its discussion category. The forum's checks apply (PermissionDenied, ValidationError,
    RateLimited); comments that no category fits are refused (ApplicationError). The
    resource row is locked, so two first comments at once make one topic."""
    if not is_community_member(author):
        raise PermissionDenied("Sign in as a community member to comment.")
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    topic = discussion_topic_for(resource)
    if topic is not None:
        return post_create(topic=topic, author=author, body=body)
    category = discussion_category_for(resource, create=True)
    refusal = discussion_refusal(resource, category)
    if refusal:
        raise ApplicationError(refusal)
    if not (body or "").strip():
        raise ValidationError({"body": "Write something before posting."})
    topic = topic_create(
        category=category,
        author=author,
        title=f"Comments: {resource.title}",
        body=_comment_opening(resource, body),
    )
    Resource.objects.filter(pk=resource.pk).update(discussion_topic=topic)
    return topic.posts.get(is_opening=True)


# --- Reactions ------------------------------------------------------------------------------


def reaction_refusal(user, resource: Resource) -> str | None:
    """Why `user` may not react to `resource` (one they may see), or None."""
    if not is_community_member(user):
        return "Sign in as a community member to react."
    if resource.owner_id == user.pk:
        return "You can't react to your own resource."
    return suspension_refusal(user)


def _reaction_kind_clean(kind: str) -> str:
    if kind not in ReactionKind.values:
        raise ValidationError("Pick one of the reactions shown.", code="invalid_kind")
    return kind


@transaction.atomic
def resource_reaction_add(*, resource: Resource, user: User, kind: str) -> bool:
    """React to `resource` with `kind`; True when stored now, False when it already was (a
    double submit stores one: the unique constraint decides). PermissionDenied with the
    reason, ValidationError for an unknown kind, RateLimited past the forum's reaction
    limits (shared with reactions to posts)."""
    refusal = reaction_refusal(user, resource)
    if refusal:
        raise PermissionDenied(refusal)
    kind = _reaction_kind_clean(kind)
    rate_limit_hit(scope="forum-react", key=user.pk, limits=REACTION_LIMITS)
    try:
        with transaction.atomic():
            ResourceReaction.objects.create(resource=resource, user=user, kind=kind)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def resource_reaction_remove(*, resource: Resource, user: User, kind: str) -> bool:
    """Take a reaction back (also while suspended); True when one was removed."""
    if not is_community_member(user):
        raise PermissionDenied("Sign in as a community member to react.")
    kind = _reaction_kind_clean(kind)
    rate_limit_hit(scope="forum-react", key=user.pk, limits=REACTION_LIMITS)
    deleted, _ = ResourceReaction.objects.filter(resource=resource, user=user, kind=kind).delete()
    return bool(deleted)


# --- Shares ---------------------------------------------------------------------------------


@transaction.atomic
def resource_share(*, resource: Resource, user: User) -> bool:
    """Record that `user` shared `resource` (one they may see); True when this is their
    first share of it today. The first share of a resource by a member gives its owner and
    each credited member one SHARE support act (target: the resource); sharing again on
    later days counts in the resource's share count but not again in the ledger, so it
    cannot be farmed."""
    if not is_community_member(user):
        raise PermissionDenied("Sign in as a community member to share.")
    try:
        with transaction.atomic():
            Share.objects.create(resource=resource, user=user, day=timezone.localdate())
    except IntegrityError:
        return False
    Resource.objects.filter(pk=resource.pk).update(share_count=F("share_count") + 1)
    receivers = {
        credit.member_id: credit.member for credit in resource.credits.select_related("member")
    }
    if resource.owner is not None:
        receivers.setdefault(resource.owner_id, resource.owner)
    for receiver in receivers.values():
        if receiver.is_active:
            support_act_record(
                giver=user, receiver=receiver, kind=SupportKind.SHARE, target=resource
            )
    return True
