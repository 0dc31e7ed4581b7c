from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from forums.models import TOPIC_TITLE_MAX_LENGTH, Category, Tag, Topic
from forums.permissions import check_post_in
from forums.services.drafts import draft_discard
from forums.services.limits import content_limits_check, posting_limits_hit
from forums.services.mentions import post_html_render
from forums.services.notify import post_created
from forums.services.posts import post_body_clean, post_build
from forums.services.tags import topic_tags_clean
from members.models import User


def topic_title_clean(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give your topic a title."}, code="blank")
    if "\x00" in title:
        raise ValidationError({"title": "Null characters are not allowed."}, code="null")
    if len(title) > TOPIC_TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                "title": f"Keep the title to {TOPIC_TITLE_MAX_LENGTH} characters "
                f"(this one has {len(title)})."
            },
            code="max_length",
        )
    return title


def topic_slug(title: str) -> str:
    return slugify(title, allow_unicode=True)[:80].strip("-") or "topic"


def _clean_into(errors: dict, clean, *args, **kwargs):
    """clean(*args, **kwargs), or None with its ValidationError added to `errors`, so the
    form shows every problem at once."""
    try:
        return clean(*args, **kwargs)
    except ValidationError as exc:
        exc.update_error_dict(errors)
        return None


@transaction.atomic
def topic_create(
    *,
    category: Category,
    author: User,
    title: str,
    body: str,
    tags: Iterable[Tag] = (),
) -> Topic:
    """Start a topic in `category` with its opening post.

    Checks that `author` may post there (PermissionDenied otherwise); then, all reported
    together as one ValidationError, that title and body are non-blank and within their
    limits, that the tags are allowed in the category (at most 5), and the content limits of
    the author's trust level (links, images, mentions); then the rate limits (RateLimited),
    last, so a corrected typo does not use up the allowance. The body is rendered to
    sanitised HTML once, here. The category's counters move with F() in the same
    transaction; the author's draft for this category is discarded with it. A topic is not
    support given to anyone, so nothing goes to the reciprocity ledger."""
    check_post_in(author, category)
    errors: dict = {}
    title = _clean_into(errors, topic_title_clean, title)
    body = _clean_into(errors, post_body_clean, body)
    tags = _clean_into(errors, topic_tags_clean, category=category, tags=tags)
    html = None
    if body is not None:
        html = post_html_render(body)
        _clean_into(errors, content_limits_check, author, body, html=html)
    if errors:
        raise ValidationError(errors)
    posting_limits_hit(author=author, is_topic=True)

    now = timezone.now()
    topic = Topic(
        category=category,
        title=title,
        slug=topic_slug(title),
        author=author,
        author_name=author.public_name,
        last_post_at=now,
        last_poster=author,
        last_poster_name=author.public_name,
    )
    topic.full_clean()
    topic.save()
    if tags:
        topic.tags.set(tags)
    post = post_build(topic=topic, author=author, body=body, is_opening=True, html=html)
    post.save()
    Category.objects.filter(pk=category.pk).update(
        topic_count=F("topic_count") + 1,
        post_count=F("post_count") + 1,
        last_activity_at=now,
    )
    draft_discard(user=author, category=category)
    post_created(post, page=1)
    return topic
