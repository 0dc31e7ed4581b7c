"""Who may see a single post and act on it (react, accept as the answer, delete).

Kept beside forums/permissions.py (the lead's) in the same shapes: `*_refusal` returns the
reason a member can act on, or None; `check_*` raises it; `access_post` answers 404 exactly
like a missing id. The `*_refusal` helpers issue no queries when `moderates` is passed in,
so the topic page can ask them for every post of a page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from forums.models import Post, Topic
from forums.permissions import (
    can_moderate_category,
    suspension_refusal,
    visible_topics,
)
from members.permissions import is_community_member

POST_NOT_FOUND = "No such post."


def visible_posts(user) -> QuerySet[Post]:
    """Posts in topics `user` may see; hidden posts are left for the caller to judge (they
    need the category's moderation right, which depends on the post's category)."""
    return Post.objects.filter(topic__in=visible_topics(user))


def access_post(user, *, pk: int) -> Post:
    """The post with its topic and category joined, if `user` may see it: its topic is
    visible and, when hidden, `user` moderates its category. Otherwise the same 404 as for
    a missing id. Sets `post.viewer_moderates` for the caller."""
    post = (
        visible_posts(user)
        .select_related("topic__category__parent", "author")
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404(POST_NOT_FOUND)
    post.viewer_moderates = can_moderate_category(user, post.topic.category)
    if post.is_hidden and not post.viewer_moderates:
        raise Http404(POST_NOT_FOUND)
    return post


def check_view_post(user, post: Post) -> bool:
    """Raises PermissionDenied unless `user` may see `post`; returns whether they moderate
    its category. For services, which must be safe whichever caller loaded the post."""
    moderates = can_moderate_category(user, post.topic.category)
    if (post.is_hidden and not moderates) or not visible_topics(user).filter(
        pk=post.topic_id
    ).exists():
        raise PermissionDenied("You can't do that here.")
    return moderates


def _acting_member_refusal(user, verb: str) -> str | None:
    if not is_community_member(user):
        return f"Sign in as a community member to {verb}."
    return suspension_refusal(user)


def reaction_refusal(user, post: Post) -> str | None:
    """Why `user` may not react to `post` (one they can see), or None when they may."""
    refusal = _acting_member_refusal(user, "react")
    if refusal:
        return refusal
    if post.author_id == user.pk:
        # Discourse forbids liking yourself; here it would also farm the reciprocity ledger.
        return "You can't react to your own post."
    if post.is_hidden:
        return "This post is hidden and takes no reactions."
    if post.topic.is_hidden:
        return "This topic has been hidden by a moderator and takes no reactions."
    return None


def answer_refusal(
    user, topic: Topic, post: Post | None = None, *, moderates: bool | None = None
) -> str | None:
    """Why `user` may not mark (or unmark) an accepted answer in `topic`, or None. With
    `post`, also whether that post can be the answer."""
    if not topic.category.is_qa:
        return "Only topics in Q&A categories have accepted answers."
    refusal = _acting_member_refusal(user, "mark an answer")
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator."
    if topic.author_id != user.pk:
        if moderates is None:
            moderates = can_moderate_category(user, topic.category)
        if not moderates:
            return "Only the person who asked, or a moderator, can mark the accepted answer."
    if post is not None:
        if post.topic_id != topic.pk:
            return "That post is not in this topic."
        if post.is_opening:
            return "The question itself can't be its answer: pick a reply."
        if post.is_hidden:
            return "A hidden post can't be the accepted answer."
    return None


def post_delete_refusal(user, post: Post, *, topic_has_replies: bool | None = None) -> str | None:
    """Why `user` may not delete (hide) their own `post`, or None. Deleting is allowed at
    any time, also in a locked topic: it hides, and the category's moderators still see it.
    `topic_has_replies` (visible replies) matters for the opening post only; without it the
    denormalised reply count decides."""
    if not is_community_member(user):
        return "Sign in to delete your posts."
    if post.author_id != user.pk:
        return "You can only delete your own posts."
    if post.is_hidden:
        return "This post is already hidden."
    if post.is_opening:
        if topic_has_replies is None:
            topic_has_replies = post.topic.reply_count > 0
        if topic_has_replies:
            return (
                "This topic has replies, so its opening post can't be deleted: edit it "
                "instead, or flag the topic for a moderator."
            )
    return None
