"""Drafts saved as the member types: one per member for a new topic in a category, one per
member for a reply to a topic. Posting discards it (forums.services.topics/posts)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import POST_BODY_MAX_LENGTH, TOPIC_TITLE_MAX_LENGTH, Category, Draft, Topic
from forums.permissions import check_post_in, check_reply
from members.models import User

# The composer saves at most once a second while typing; this only stops scripts.
DRAFT_SAVE_LIMITS = (RateLimit(count=120, seconds=60, description="120 draft saves a minute"),)


def _place(*, category: Category | None, topic: Topic | None) -> dict:
    if (category is None) == (topic is None):
        raise TypeError("Pass exactly one of category= or topic=.")
    if topic is None:
        return {"category": category, "topic": None}
    return {"category": None, "topic": topic}


def _draft_text_clean(*, title: str, body: str) -> tuple[str, str]:
    if "\x00" in title or "\x00" in body:
        raise ValidationError("Null characters are not allowed.", code="null")
    if len(body) > POST_BODY_MAX_LENGTH:
        raise ValidationError(
            f"Posts are limited to {POST_BODY_MAX_LENGTH:,} characters "
            f"(this one has {len(body):,}), so the draft was not saved.",
            code="max_length",
        )
    if len(title) > TOPIC_TITLE_MAX_LENGTH:
        raise ValidationError(
            f"Keep the title to {TOPIC_TITLE_MAX_LENGTH} characters "
            f"(this one has {len(title)}), so the draft was not saved.",
            code="max_length",
        )
    return title, body


def draft_save(
    *,
    user: User,
    body: str,
    title: str = "",
    category: Category | None = None,
    topic: Topic | None = None,
) -> Draft | None:
    """Store what `user` is writing for a new topic in `category` or a reply to `topic`;
    an empty composer discards the draft (returns None).

    Only where the member may post: check_post_in / check_reply raise PermissionDenied (so a
    guessed private category or a locked topic stores nothing). Too long or NUL: ValidationError.
    Counted against DRAFT_SAVE_LIMITS (RateLimited). Two tabs saving at once: the unique
    constraint keeps one row and the later save wins."""
    place = _place(category=category, topic=topic)
    if topic is not None:
        check_reply(user, topic)
        title = ""
    else:
        check_post_in(user, category)
    title, body = _draft_text_clean(title=title or "", body=body or "")
    rate_limit_hit(scope="forum-draft", key=user.pk, limits=DRAFT_SAVE_LIMITS)
    if not title.strip() and not body.strip():
        draft_discard(user=user, **place)
        return None
    drafts = Draft.objects.filter(user=user, **place)
    fields = {"title": title, "body": body, "updated_at": timezone.now()}
    with transaction.atomic():
        if drafts.update(**fields):
            return drafts.first()
        try:
            with transaction.atomic():  # a savepoint: the other request may win the insert
                return Draft.objects.create(user=user, title=title, body=body, **place)
        except IntegrityError:
            drafts.update(**fields)
            return drafts.first()


def draft_get(*, user: User, category: Category | None = None, topic: Topic | None = None):
    """The member's draft for that place, or None (visitors have none)."""
    if not user.is_authenticated:
        return None
    # One draft per member and place (a unique constraint): no ORDER BY needed.
    drafts = Draft.objects.filter(user=user, **_place(category=category, topic=topic))
    return next(iter(drafts[:1]), None)


def draft_discard(*, user: User, category: Category | None = None, topic: Topic | None = None):
    """Forget the member's draft for a new topic in `category` or a reply to `topic`."""
    Draft.objects.filter(user=user, **_place(category=category, topic=topic)).delete()
