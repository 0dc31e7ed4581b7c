from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from forums.models import POST_BODY_MAX_LENGTH, Category, Post, Topic
from forums.permissions import check_reply
from forums.services.drafts import draft_discard
from forums.services.limits import content_limits_check, posting_limits_hit
from forums.services.mentions import post_html_render
from forums.services.notify import post_created
from members.models import SupportKind, User
from members.services.reciprocity import support_act_record

POSTS_PER_PAGE = 20  # the topic page; here so a notification can link to the right page


def topic_touch(topic_id: int) -> None:
    """Something on the topic's pages changed (a reaction, an edit): `updated_at` versions
    the cached post list that visitors see (forums.views.topics)."""
    Topic.objects.filter(pk=topic_id).update(updated_at=timezone.now())


def post_body_clean(body: str) -> str:
    if not (body or "").strip():
        raise ValidationError({"body": "Write something before posting."}, code="blank")
    if "\x00" in body:
        # Postgres refuses NUL in text: a clear error here, not a 500 at save time.
        raise ValidationError({"body": "Null characters are not allowed."}, code="null")
    if len(body) > POST_BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": f"Posts are limited to {POST_BODY_MAX_LENGTH:,} characters "
                f"(this one has {len(body):,}). Split it into several posts."
            },
            code="max_length",
        )
    return body


def post_build(
    *, topic: Topic, author: User, body: str, is_opening: bool, html: str | None = None
) -> Post:
    """A validated, rendered, unsaved post (the body is already cleaned; `html` is its
    rendering when the caller already has it)."""
    post = Post(
        topic=topic,
        author=author,
        author_name=author.public_name,
        body=body,
        html=post_html_render(body) if html is None else html,
        is_opening=is_opening,
    )
    post.full_clean(exclude=["topic"])  # the topic may have been saved a moment ago
    return post


@transaction.atomic
def post_create(*, topic: Topic, author: User, body: str) -> Post:
    """Reply to `topic`.

    Checks that `author` may see the topic and post in its category, and that the topic is
    neither locked (moderators excepted) nor hidden (PermissionDenied with the reason); the
    body and the content limits of the author's trust level (ValidationError); then the rate
    limits (RateLimited). Topic and category counters move with F() in the same
    transaction, and the author's draft for this topic is discarded with the post. A reply to
    someone else's topic is support given to them: one REPLY support act (target: this
    post). forums.services.notify decides who hears about it."""
    check_reply(author, topic)
    body = post_body_clean(body)
    html = post_html_render(body)
    content_limits_check(author, body, html=html)
    posting_limits_hit(author=author, is_topic=False)

    post = post_build(topic=topic, author=author, body=body, is_opening=False, html=html)
    post.save()
    Topic.objects.filter(pk=topic.pk).update(
        reply_count=F("reply_count") + 1,
        last_post_at=post.created_at,
        last_poster=author,
        last_poster_name=author.public_name,
        updated_at=timezone.now(),
    )
    Category.objects.filter(pk=topic.category_id).update(
        post_count=F("post_count") + 1, last_activity_at=post.created_at
    )

    recipient = topic.author
    if recipient is not None and recipient.pk != author.pk:
        support_act_record(
            giver=author,
            receiver=recipient,
            kind=SupportKind.REPLY,
            target=post,
            occurred_at=post.created_at,
        )
    draft_discard(user=author, topic=topic)
    # The new post follows the opening post and the replies counted before it.
    post_created(post, page=(topic.reply_count + 1) // POSTS_PER_PAGE + 1)
    return post
