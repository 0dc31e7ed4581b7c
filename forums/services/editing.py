"""Editing a post (its author within forums.permissions.EDIT_WINDOW, the category's
moderators any time) and deleting your own post, which hides it: nothing a member wrote is
lost."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from community.ratelimit import RateLimit, rate_limit_hit
from forums.models import ModerationAction, Post, PostRevision, Topic
from forums.permissions import check_view_post, post_delete_refusal, post_edit_refusal
from forums.services.limits import content_limits_check
from forums.services.mentions import post_html_render
from forums.services.moderation import moderation_event_write, post_hide_rows
from forums.services.notify import post_edited
from forums.services.posts import post_body_clean, topic_touch
from forums.services.topics import topic_slug, topic_title_clean
from members.models import User

AUTHOR_DELETED_REASON = "Deleted by the author"
REVISION_REASON_MAX_LENGTH = PostRevision._meta.get_field("reason").max_length
# Edits are cheap to make and each keeps a revision row: a burst guard, not a quota.
EDIT_LIMITS = (RateLimit(count=20, seconds=10 * 60, description="20 edits in 10 minutes"),)


def _locked_post(post_id: int) -> Post:
    return (
        Post.objects.select_for_update(of=("self",))
        .select_related("topic__category__parent")
        .get(pk=post_id)
    )


def _reason_clean(reason: str) -> str:
    return " ".join((reason or "").replace("\x00", "").split())[:REVISION_REASON_MAX_LENGTH]


@transaction.atomic
def post_edit(
    *, post: Post, editor: User, body: str, title: str | None = None, reason: str = ""
) -> Post:
    """Replace `post`'s body (and, for an opening post given a `title`, its topic's title
    and slug), keeping what was there before as a PostRevision.

    Preconditions: `editor` may see the post and forums.permissions.post_edit_refusal lets
    them (PermissionDenied with the reason); body and title pass the same checks as posting
    (ValidationError) and the content limits of the editor's trust level; then EDIT_LIMITS
    (RateLimited). An edit that changes nothing stores
    nothing. The body is re-rendered to sanitised HTML here; `edit_count` moves with F().
    Members the edit newly @mentions are recorded and told after commit
    (forums.services.notify.post_edited); nobody hears of the same post twice. A
    moderator editing someone else's post also writes a ModerationEvent (EDIT), in the same
    transaction. Returns the post as saved."""
    post = _locked_post(post.pk)
    topic = post.topic
    moderates = check_view_post(editor, post)
    refusal = post_edit_refusal(editor, post, moderates=moderates)
    if refusal:
        raise PermissionDenied(refusal)
    body = post_body_clean(body)
    new_title = topic.title
    if post.is_opening and title is not None:
        new_title = topic_title_clean(title)
    if body == post.body and new_title == topic.title:
        return post
    html = post_html_render(body)
    if body != post.body:
        # An edit must not slip in what posting would refuse (links, images, mentions for
        # new members); the editor's own trust level decides, so a moderator is never held.
        content_limits_check(editor, body, html=html)
    rate_limit_hit(scope="forum-edit", key=editor.pk, limits=EDIT_LIMITS)
    reason = _reason_clean(reason)

    now = timezone.now()
    previous_body = post.body
    revision = PostRevision.objects.create(
        post=post,
        editor=editor,
        title=topic.title if post.is_opening else "",
        body=previous_body,
        reason=reason,
    )
    post.body = body
    post.html = html
    post.edited_at = now
    Post.objects.filter(pk=post.pk).update(
        body=post.body,
        html=post.html,
        edited_at=now,
        edit_count=F("edit_count") + 1,
        updated_at=now,
    )
    post.edit_count += 1  # the row lock makes the in-memory count right too
    title_changed = new_title != topic.title
    if title_changed:
        topic.title = new_title
        topic.slug = topic_slug(new_title)
        Topic.objects.filter(pk=topic.pk).update(title=topic.title, slug=topic.slug, updated_at=now)
    else:
        topic_touch(topic.pk)
    if not post.is_hidden:
        post_edited(post, previous_body=previous_body)

    if moderates and post.author_id != editor.pk:
        moderation_event_write(
            action=ModerationAction.EDIT,
            actor=editor,
            post=post,
            reason=reason,
            details={"revision": revision.pk, "title_changed": title_changed},
        )
    return post


@transaction.atomic
def post_delete(*, post: Post, actor: User) -> Post:
    """Delete `actor`'s own `post`: it is hidden ("Deleted by the author"), never removed,
    so the category's moderators can still read and restore it. Counters move as when a
    moderator hides a post; an accepted answer that is deleted stops being the answer.

    Refused (PermissionDenied with the reason) for someone else's post, a post already
    hidden, and the opening post of a topic that has visible replies: only moderators hide
    a whole conversation. The opening post of a topic without replies takes the topic with
    it, as hiding it would. The rows and counters move through the moderation module's
    post_hide_rows, so a deleted post and a hidden one are counted alike; no moderation log
    entry is written (nobody moderated)."""
    post = _locked_post(post.pk)
    check_view_post(actor, post)
    has_replies = (
        post.is_opening
        and Post.objects.filter(topic_id=post.topic_id, is_opening=False, is_hidden=False).exists()
    )
    refusal = post_delete_refusal(actor, post, topic_has_replies=has_replies)
    if refusal:
        raise PermissionDenied(refusal)

    post_hide_rows(post=post, hidden_by=None, reason=AUTHOR_DELETED_REASON)
    return post
