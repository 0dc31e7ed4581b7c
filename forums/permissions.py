"""Who may see, post and moderate in the forums. Visibility is decided in SQL (querysets
filtered by category access and guardian grants), so every list, count and detail page
agrees; a category or topic the viewer may not see is answered exactly like a missing one.

Who sees a category:
  public   everyone, except visitors (and sign-ups awaiting approval) when the community is
           members-only (branding `members_only`);
  members  community members (members.permissions.is_community_member);
  private  community members holding `forums.view_category` or `forums.moderate_category`
           on it, usually through their auth Group (a private group's membership is the
           grant);
  and every category for holders of the global `forums.view_category` (community
  managers) or `forums.moderate_category` (Moderators: they moderate everywhere, private
  spaces included) and superusers. A sub-category additionally needs its parent to be visible.

Posting: any community member may post where they can see, in a topic that is neither
locked nor hidden (moderators of the category may still reply to a locked topic).
`forums.post_category` is declared for read-only categories (announcements), which a later
slice adds; nothing checks it yet."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from community.selectors import branding_get
from forums.models import Category, CategoryAccess, Post, Topic
from members.permissions import has_perm, is_community_member, objects_for_user

VIEW_CATEGORY = "forums.view_category"
POST_CATEGORY = "forums.post_category"
MODERATE_CATEGORY = "forums.moderate_category"
# One message for "hidden" and "missing", so a guessed id or slug tells nothing.
CATEGORY_NOT_FOUND = "No such category."
TOPIC_NOT_FOUND = "No such topic."


def _sees_everything(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or user.has_perm(VIEW_CATEGORY)
            # Moderators moderate everywhere, private spaces included (as in Discourse).
            or user.has_perm(MODERATE_CATEGORY)
        )
    )


def _access_conditions(user) -> tuple[Q, Q]:
    """Which categories `user` may see by their own access rule, and by their parent's."""
    if is_community_member(user):
        open_to_members = [CategoryAccess.PUBLIC, CategoryAccess.MEMBERS]
        granted = objects_for_user(
            user,
            [VIEW_CATEGORY, MODERATE_CATEGORY],
            Category.objects.filter(access=CategoryAccess.PRIVATE),
            any_perm=True,
        ).values("pk")
        own = Q(access__in=open_to_members) | Q(pk__in=granted)
        parent = Q(parent__access__in=open_to_members) | Q(parent_id__in=granted)
    elif not branding_get().members_only:
        # Visitors never hold grants: skip guardian's anonymous-user lookups entirely.
        own = Q(access=CategoryAccess.PUBLIC)
        parent = Q(parent__access=CategoryAccess.PUBLIC)
    else:
        own = parent = Q(pk__in=[])
    return own, parent


def visible_categories(user) -> QuerySet[Category]:
    """Every category `user` may see, as one SQL query."""
    queryset = Category.objects.all()
    if _sees_everything(user):
        return queryset
    own, parent = _access_conditions(user)
    return queryset.filter(own & (Q(parent__isnull=True) | parent))


def moderated_categories(user) -> QuerySet[Category]:
    """The categories `user` moderates: all for the global grant, else those granted on the
    object, and their sub-categories (as can_moderate_category)."""
    if not (user.is_authenticated and user.is_active and is_community_member(user)):
        return Category.objects.none()
    if user.is_superuser or user.has_perm(MODERATE_CATEGORY):
        return Category.objects.all()
    granted = objects_for_user(user, MODERATE_CATEGORY, Category.objects.all()).values("pk")
    return Category.objects.filter(Q(pk__in=granted) | Q(parent_id__in=granted))


def visible_topics(user) -> QuerySet[Topic]:
    """Topics in visible categories; hidden topics only for moderators of their category."""
    topics = Topic.objects.all()
    if not _sees_everything(user):
        topics = topics.filter(category__in=visible_categories(user))
    if user.is_authenticated and (user.is_superuser or user.has_perm(MODERATE_CATEGORY)):
        return topics
    shown = Q(is_hidden=False)
    if user.is_authenticated:
        shown |= Q(category__in=moderated_categories(user))
    return topics.filter(shown)


def access_category(user, **lookup) -> Category:
    """The category if `user` may see it; the same Http404 as for a missing one otherwise."""
    category = visible_categories(user).select_related("parent").filter(**lookup).first()
    if category is None:
        raise Http404(CATEGORY_NOT_FOUND)
    return category


def access_topic(user, **lookup) -> Topic:
    topic = visible_topics(user).select_related("category").filter(**lookup).first()
    if topic is None:
        raise Http404(TOPIC_NOT_FOUND)
    return topic


def merged_target_for(user, *, pk: int) -> Topic | None:
    """The topic that topic `pk` was merged into, when `user` may see it (one query)."""
    merged_into = Topic.objects.filter(pk=pk, merged_into__isnull=False).values("merged_into")
    return visible_topics(user).filter(pk__in=merged_into).first()


def can_view_category(user, category: Category) -> bool:
    return visible_categories(user).filter(pk=category.pk).exists()


def can_moderate_category(user, category: Category) -> bool:
    """The global grant (Moderators, Community managers) or an object grant (a volunteer
    moderator of this category, or of its parent)."""
    if not (user.is_authenticated and user.is_active and is_community_member(user)):
        return False
    if user.is_superuser or has_perm(user, MODERATE_CATEGORY, category):
        return True
    return category.parent is not None and has_perm(user, MODERATE_CATEGORY, category.parent)


def check_moderate_category(user, category: Category) -> None:
    if not can_moderate_category(user, category):
        raise PermissionDenied("Only this category's moderators can do that.")


def suspension_refusal(user) -> str | None:
    """Why a suspended member may not post, react or flag; None when they may."""
    if user.is_authenticated and user.is_suspended:
        until = timezone.localtime(user.suspended_until).strftime("%-d %B %Y, %H:%M")
        reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
        return f"Your account is suspended until {until}.{reason}"
    return None


def check_not_suspended(user) -> None:
    refusal = suspension_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


def check_post_in(user, category: Category) -> None:
    """Raises PermissionDenied with a message the member can act on."""
    if not is_community_member(user):
        raise PermissionDenied("Only community members can post. Sign in or join first.")
    check_not_suspended(user)
    if not can_view_category(user, category):
        # Same words whether it exists or not: a guessed id learns nothing.
        raise PermissionDenied("You can't post there.")


def can_post_in(user, category: Category) -> bool:
    try:
        check_post_in(user, category)
    except PermissionDenied:
        return False
    return True


def reply_refusal(user, topic: Topic, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not reply to `topic` (a visible one), or None when they may. No
    queries beyond the moderation check when `moderates` is passed in."""
    if not is_community_member(user):
        return "Sign in as a community member to reply."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator and takes no replies."
    if topic.is_locked:
        if moderates is None:
            moderates = can_moderate_category(user, topic.category)
        if not moderates:
            return "This topic is locked: it no longer takes replies."
    return None


def check_reply(user, topic: Topic) -> None:
    check_post_in(user, topic.category)
    if not visible_topics(user).filter(pk=topic.pk).exists():
        raise PermissionDenied("You can't post there.")
    refusal = reply_refusal(user, topic)
    if refusal:
        raise PermissionDenied(refusal)


# Authors may edit their own post for this long (Discourse's post_edit_time_limit); the
# category's moderators may edit any time. Every edit keeps the old body (PostRevision).
EDIT_WINDOW = timedelta(hours=24)


def post_edit_refusal(user, post: Post, *, moderates: bool | None = None) -> str | None:
    """Why `user` may not edit `post` (a post they can see), or None when they may."""
    if not is_community_member(user):
        return "Sign in to edit your posts."
    if moderates is None:
        moderates = can_moderate_category(user, post.topic.category)
    if moderates:
        return None
    if post.author_id != user.pk:
        return "You can only edit your own posts."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if post.is_hidden:
        return "This post is hidden and can no longer be edited."
    if post.topic.is_locked:
        return "This topic is locked: its posts can no longer be edited."
    if timezone.now() - post.created_at > EDIT_WINDOW:
        return "Posts can be edited for 24 hours after posting; this one is older."
    return None


def check_edit_post(user, post: Post) -> None:
    refusal = post_edit_refusal(user, post)
    if refusal:
        raise PermissionDenied(refusal)
