"""@mentions in posts: finding them in the Markdown, recording who was mentioned, and
linking them to profiles.

A mention is `@username` in the post's own words: not inside code (spans, fenced or
indented blocks), where `@` is usually a decorator or an e-mail, and not inside a quote,
where it is someone else's words (quoting a post must not notify its mentions again). The
pattern and the reading of the text are community.markdown's (MENTION_PATTERN,
inline_mentions), shared with the renderer.

Only members who may see the post are recorded (forums.services.watching.topic_readers),
and at most MAX_MENTIONS_PER_POST per post: the first ones in the text. This module only
records; telling the mentioned is forums.services.notify's, which calls it. Stricter caps
for new members are refused by the composer before posting; `mentioned_usernames` is the
count to check.

Linking (post_html_render) is wider: every `@handle` of a community member outside code and
outside existing links becomes a link to their profile, quotes included, whoever may read
the post; unknown, erased, inactive and unapproved names stay text."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.urls import reverse

from community.markdown import (
    MentionResolver,
    inline_mentions,
    markdown_tokens,
    render_markdown,
)
from forums.models import Post, PostMention
from forums.permissions import readers_among
from members.models import User
from members.permissions import community_members

MAX_MENTIONS_PER_POST = 10  # Discourse's max_mentions_per_post


def mentioned_usernames(body: str) -> list[str]:
    """The distinct handles `body` mentions, lower-cased, in order of first appearance (not
    capped: the composer counts them to refuse too many). Quotes are skipped: they are
    someone else's words."""
    seen: dict[str, None] = {}
    quote_depth = 0
    for token in markdown_tokens(body or ""):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "inline" and quote_depth == 0:
            for mention in inline_mentions(token.children or []):
                seen.setdefault(mention.handle.lower(), None)
    return list(seen)


def mention_links(handles: list[str]) -> dict[str, str]:
    """{handle: profile URL} for those of `handles` (lower-cased) that name a community member
    (members.permissions.community_members: active, approved, not erased), in one query.
    Whether they may read the post does not matter here: a profile link tells nobody
    anything, and the post keeps the same links whoever gains or loses access later."""
    rows = (
        community_members()
        .annotate(handle=Lower("username"))
        .filter(handle__in=handles)
        .values_list("handle", "username")
    )
    return {handle: reverse("members:profile", args=[username]) for handle, username in rows}


def mention_links_memo() -> MentionResolver:
    """mention_links remembering its answers, for rendering many posts at once (one query
    per new handle set, not per post). Use it for one batch: it never forgets."""
    known: dict[str, str | None] = {}

    def resolve(handles: list[str]) -> dict[str, str]:
        missing = [handle for handle in handles if handle not in known]
        if missing:
            found = mention_links(missing)
            known.update({handle: found.get(handle) for handle in missing})
        return {handle: url for handle in handles if (url := known[handle])}

    return resolve


def post_html_render(body: str, *, mentions: MentionResolver = mention_links) -> str:
    """A post's stored HTML: its Markdown rendered and sanitised, @mentions of members linked
    to their profiles."""
    return render_markdown(body, mentions=mentions)


def mentioned_members(*, post: Post, usernames: list[str]) -> list[User]:
    """The members named in `usernames` (first MAX_MENTIONS_PER_POST) who may see `post`,
    never its author."""
    usernames = usernames[:MAX_MENTIONS_PER_POST]
    if not usernames:
        return []
    # Handles are unique regardless of case (a constraint on Lower(username)) but stored as
    # typed, so compare lower-cased.
    ids = (
        User.objects.annotate(handle=Lower("username"))
        .filter(handle__in=usernames)
        .exclude(pk=post.author_id)
        .values_list("pk", flat=True)
    )
    return readers_among(post.topic, ids)


def mentions_record(*, post: Post, usernames: list[str] | None = None) -> list[User]:
    """Record the members `post` mentions (see mentioned_members) and return those that were
    not recorded for it before: the ones to tell. Idempotent."""
    if usernames is None:
        usernames = mentioned_usernames(post.body)
    members = mentioned_members(post=post, usernames=usernames)
    if not members:
        return []
    already = set(
        PostMention.objects.filter(post=post, user__in=members).values_list("user_id", flat=True)
    )
    new = [member for member in members if member.pk not in already]
    PostMention.objects.bulk_create(
        [PostMention(post=post, user=member) for member in new], ignore_conflicts=True
    )
    return new


def mentions_record_for_edit(post: Post, *, previous_body: str) -> list[User]:
    """Call after saving an edited post, inside the edit's transaction. Records only the
    members the edit newly mentions (anyone already mentioned before the edit, or already
    recorded for this post, is left out) and returns them: the ones to tell
    (forums.services.notify.post_edited does both)."""
    before = set(mentioned_usernames(previous_body))
    now = mentioned_usernames(post.body)[:MAX_MENTIONS_PER_POST]
    added = [name for name in now if name not in before]
    return mentions_record(post=post, usernames=added)
