"""Moderation verbs. Every one checks the actor moderates the category. The moderation log
(who, what, why, when) arrives with the moderation slice; until then `hidden_reason` keeps
the why on the post."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from forums.models import Category, Post, Topic
from forums.permissions import check_moderate_category
from members.models import User


@transaction.atomic
def post_hide(*, post: Post, actor: User, reason: str) -> Post:
    """Hide `post` (never delete it). Hiding the opening post hides the whole topic.
    Hiding an already hidden post changes nothing. A hidden reply stops counting in the
    topic's reply_count and the category's post_count."""
    post = Post.objects.select_for_update().select_related("topic__category").get(pk=post.pk)
    check_moderate_category(actor, post.topic.category)
    if post.is_hidden:
        return post
    post.is_hidden = True
    post.hidden_reason = " ".join((reason or "").split())[:500]
    post.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
    now = timezone.now()
    if post.is_opening:
        Topic.objects.filter(pk=post.topic_id).update(is_hidden=True, updated_at=now)
    else:
        Topic.objects.filter(pk=post.topic_id, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1, updated_at=now
        )
        Category.objects.filter(pk=post.topic.category_id, post_count__gt=0).update(
            post_count=F("post_count") - 1
        )
    return post


def topic_lock_set(*, topic: Topic, actor: User, locked: bool) -> None:
    check_moderate_category(actor, topic.category)
    Topic.objects.filter(pk=topic.pk).update(is_locked=locked, updated_at=timezone.now())
    topic.is_locked = locked


def topic_pin_set(*, topic: Topic, actor: User, pinned: bool) -> None:
    check_moderate_category(actor, topic.category)
    Topic.objects.filter(pk=topic.pk).update(is_pinned=pinned, updated_at=timezone.now())
    topic.is_pinned = pinned
