"""Tags on topics. Community managers define tags in the admin; members pick from those
allowed in the topic's category (docs/writing-posts.md)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from forums.models import Category, Tag, Topic
from forums.permissions import can_moderate_category, check_post_in
from forums.services.posts import topic_touch
from members.models import User

MAX_TAGS_PER_TOPIC = 5


def tags_allowed_for(category: Category) -> QuerySet[Tag]:
    """Tags without categories (allowed everywhere) plus those restricted to `category` or to
    its parent: a sub-category inherits its parent's tags."""
    restricted = Tag.categories.through.objects
    place_ids = [category.pk] if category.parent_id is None else [category.pk, category.parent_id]
    return Tag.objects.filter(
        ~Q(pk__in=restricted.values("tag_id"))
        | Q(pk__in=restricted.filter(category_id__in=place_ids).values("tag_id"))
    ).order_by("name")


def topic_tags_clean(*, category: Category, tags: Iterable[Tag]) -> list[Tag]:
    """The tags, deduplicated, if all are allowed in `category` and there are at most
    MAX_TAGS_PER_TOPIC; ValidationError({"tags": ...}) otherwise."""
    unique = list({tag.pk: tag for tag in tags}.values())
    if not unique:
        return []
    if len(unique) > MAX_TAGS_PER_TOPIC:
        raise ValidationError(
            {"tags": f"Pick at most {MAX_TAGS_PER_TOPIC} tags (you picked {len(unique)})."},
            code="too_many_tags",
        )
    allowed = set(
        tags_allowed_for(category)
        .filter(pk__in=[tag.pk for tag in unique])
        .values_list("pk", flat=True)
    )
    refused = sorted(tag.name for tag in unique if tag.pk not in allowed)
    if refused:
        raise ValidationError(
            {"tags": f"Not a tag of {category.name}: {', '.join(refused)}."},
            code="tag_not_allowed",
        )
    return unique


@transaction.atomic
def topic_tags_set(*, topic: Topic, tags: Iterable[Tag], actor: User) -> list[Tag]:
    """Replace `topic`'s tags. The topic's author (still allowed to post there, topic
    neither locked nor hidden) or a moderator of its category may; PermissionDenied
    otherwise. The tags must be allowed in the topic's category (ValidationError)."""
    if not can_moderate_category(actor, topic.category):
        if topic.author_id is None or topic.author_id != actor.pk:
            raise PermissionDenied("Only the topic's author or a moderator can change its tags.")
        check_post_in(actor, topic.category)
        if topic.is_locked or topic.is_hidden:
            raise PermissionDenied("This topic is closed: its tags can no longer be changed.")
    cleaned = topic_tags_clean(category=topic.category, tags=tags)
    topic.tags.set(cleaned)
    topic_touch(topic.pk)  # the topic's cached pages show its tags
    return cleaned
