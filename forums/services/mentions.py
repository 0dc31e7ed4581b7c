"""@mentions in posts: finding them in the Markdown and recording who was mentioned.

A mention is `@username` in the post's own words: not inside code (spans, fenced or
indented blocks), where `@` is usually a decorator or an e-mail, and not inside a quote,
where it is someone else's words (quoting a post must not notify its mentions again).

Only members who may see the post are recorded (forums.services.watching.topic_readers),
and at most MAX_MENTIONS_PER_POST per post: the first ones in the text. This module only
records; telling the mentioned is forums.services.notify's, which calls it. Stricter caps for
new members are refused by the composer before posting; `mentioned_usernames` is the
count to check."""

from __future__ import annotations

import re

from django.db.models.functions import Lower
from markdown_it import MarkdownIt

from forums.models import Post, PostMention
from forums.permissions import readers_among
from members.models import User

MAX_MENTIONS_PER_POST = 10  # Discourse's max_mentions_per_post

# Handles are ASCII, 3–30 characters, starting and ending with a letter or digit
# (members.validators.USERNAME_PATTERN). The look-behind keeps e-mail addresses
# (maya@example.org) and paths out.
MENTION_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_.@/+-])@([A-Za-z0-9](?:[A-Za-z0-9_.-]{1,28}[A-Za-z0-9]))(?![A-Za-z0-9_@])"
)

# Parsed the way community.markdown renders, so "inside code" means what the reader sees.
_parser = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
_INLINE_BREAKS = {"softbreak": "\n", "hardbreak": "\n", "code_inline": " ", "image": " "}


def _prose(body: str) -> list[str]:
    """The text of `body` a mention may stand in: paragraphs, headings, lists and tables,
    without code and quotes."""
    chunks: list[str] = []
    quote_depth = 0
    for token in _parser.parse(body):
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "inline" and quote_depth == 0:
            parts = []
            for child in token.children or []:
                if child.type == "text":
                    parts.append(child.content)
                else:
                    parts.append(_INLINE_BREAKS.get(child.type, ""))
            chunks.append("".join(parts))
    return chunks


def mentioned_usernames(body: str) -> list[str]:
    """The distinct handles `body` mentions, lower-cased, in order of first appearance (not
    capped: the composer counts them to refuse too many)."""
    seen: dict[str, None] = {}
    for chunk in _prose(body or ""):
        for match in MENTION_PATTERN.finditer(chunk):
            seen.setdefault(match.group(1).lower(), None)
    return list(seen)


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
