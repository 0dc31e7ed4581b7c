"""The topic page around its posts, rendered once and shared between members like the posts
themselves (forums.views.post_list).

Beyond the viewer's shape, little of the page's frame depends on who is looking: the header's
account corner (their name, menu and unread count), the watch menu, the composer when they
left a draft there, a moderator's topic controls (the categories they may move it to), and
the CSRF token. So the frame is rendered with those left as
holes ({% hole %}, community.templatetags.page_holes) and with the token's placeholder, cut at
the holes and cached per topic version, shape, page, reply refusal and branding version; each
request renders only its own pieces and joins them in. Rendering the whole frame cost a
member's topic page more than everything else on it.

Pages that show something only one request has (a message, a quote in the composer, other
query parameters) are rendered whole, as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache as memoize
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe

from community.notifications import UnreadBadge, unread_count_for
from community.per_request import cache_get_many_prefetched
from forums.forms import ReplyForm
from forums.selectors.topic import TopicPage
from forums.templatetags.forum_watching import watch_controls_context
from forums.views.post_list import (
    POST_LIST_SECONDS,
    Shape,
    csrf_placeholder,
    split_at_token,
    topic_version,
)


@memoize
def hole_marker() -> str:
    """Derived from SECRET_KEY, like the CSRF placeholder: nobody can write it into a title."""
    return "hole-" + salted_hmac("forums.topic-frame.hole", "marker").hexdigest()[:24]


class Frame(NamedTuple):
    # Text, a hole's name, text, …, text; each text as UTF-8 cut at the CSRF placeholders
    # (forums.views.post_list.split_at_token).
    pieces: tuple
    composer: tuple[bytes, ...]  # the composer with no draft in it: what most members get


def frame_cache_key(view: TopicPage, shape: Shape, page_number: int, branding) -> str:
    refusal = hashlib.blake2b((view.reply_refusal or "").encode(), digest_size=6).hexdigest()
    return (
        f"forums:topic-frame:v2:{topic_version(view.topic)}:{shape.key}:{page_number}:"
        f"{refusal}:{branding.version}"
    )


def _context(view: TopicPage, **extra) -> dict:
    topic = view.topic
    return {"topic": topic, "category": topic.category, "view": view, "page": view.page, **extra}


def _build(request, view: TopicPage) -> Frame:
    marker = hole_marker()
    html = render_to_string(
        "forums/topic_detail.html",
        _context(
            view,
            form=ReplyForm(),
            posts_html=mark_safe(f"{marker}posts{marker}"),  # noqa: S308 - our own marker
            frame_hole_marker=marker,
            csrf_token=csrf_placeholder(),
        ),
        request,
    )
    composer = ""
    if view.can_reply:
        composer = render_to_string(
            "forums/_composer.html",
            _context(
                dataclasses.replace(view, has_draft=False),
                form=ReplyForm(),
                csrf_token=csrf_placeholder(),
            ),
            request,
        )
    pieces = html.split(marker)
    for index in range(0, len(pieces), 2):
        pieces[index] = split_at_token(pieces[index])
    return Frame(tuple(pieces), split_at_token(composer))


class WatchMenu(NamedTuple):
    """What the watch menu shows (forums.templatetags.forum_watching), hashable."""

    show: bool
    kind: str = ""
    target_pk: int = 0
    explicit: int | None = None
    state: str = ""
    choices: tuple[tuple[int, str, str, bool], ...] = ()

    @classmethod
    def of(cls, context: dict) -> WatchMenu:
        if not context["show"]:
            return cls(show=False)
        return cls(
            show=True,
            kind=context["kind"],
            target_pk=context["target"].pk,
            explicit=context["explicit"],
            state=context["state"],
            choices=tuple(
                (c["value"], str(c["label"]), str(c["description"]), c["current"])
                for c in context["choices"]
            ),
        )

    def context(self) -> dict:
        if not self.show:
            return {"show": False}
        return {
            "show": True,
            "kind": self.kind,
            "target": SimpleNamespace(pk=self.target_pk),
            "explicit": self.explicit,
            "state": self.state,
            "choices": [
                {"value": value, "label": label, "description": description, "current": current}
                for value, label, description, current in self.choices
            ],
        }


@lru_cache(maxsize=4096)
def _account_corner(
    username: str, public_name: str, is_staff: bool, unread: UnreadBadge, section: str | None
) -> tuple[bytes, ...]:
    """The header's account corner, a function of these alone (the token is the placeholder):
    each process renders it once per member and unread count."""
    member = SimpleNamespace(
        is_authenticated=True, username=username, public_name=public_name, is_staff=is_staff
    )
    html = get_template("community/_account_nav.html").render(
        {
            "user": member,
            "notification_badge": unread,
            "request": SimpleNamespace(resolver_match=SimpleNamespace(namespace=section)),
            "csrf_token": csrf_placeholder(),
        }
    )
    return split_at_token(html)


@lru_cache(maxsize=4096)
def _watch_menu(menu: WatchMenu, next_path: str) -> tuple[bytes, ...]:
    """The watch menu, a function of what it shows: each process renders each state once."""
    html = get_template("forums/_watch_controls.html").render(
        {
            **menu.context(),
            "request": SimpleNamespace(get_full_path=lambda: next_path),
            "csrf_token": csrf_placeholder(),
        }
    )
    return split_at_token(html)


def _viewer_pieces(request, name: str, view: TopicPage, frame: Frame, token: bytes) -> list:
    if name == "account":
        user = request.user
        parts = _account_corner(
            user.username,
            user.public_name,
            user.is_staff,
            UnreadBadge(count=unread_count_for(user_id=user.pk)),
            request.resolver_match.namespace,
        )
    elif name == "watch":
        parts = _watch_menu(
            WatchMenu.of(watch_controls_context(request.user, view.topic, view.watches)),
            request.get_full_path(),
        )
    elif name == "composer" and not view.has_draft:
        parts = frame.composer
    elif name == "moderation":
        # Its "Move to" list is the categories this moderator sees: theirs alone.
        html = get_template("forums/_topic_moderation.html").render(_context(view), request)
        return [html.encode()]
    else:  # the composer with the member's draft
        html = get_template("forums/_composer.html").render(
            _context(view, form=ReplyForm()), request
        )
        return [html.encode()]
    return [token.join(parts)]


def topic_page_from_frame(
    request, view: TopicPage, shape: Shape, posts: list[bytes], token: str
) -> bytes:
    """The member's whole topic page (UTF-8): the shared frame with their own pieces in its
    holes, `posts` (forums.views.post_list.post_list_pieces) in its post list and their CSRF
    `token` in every form. `view` has its page and the member's state."""
    key = frame_cache_key(view, shape, view.page.number, request.branding)
    frame = cache_get_many_prefetched([key]).get(key)
    if frame is None:
        frame = _build(request, view)
        cache.set(key, frame, POST_LIST_SECONDS)
    token_bytes = token.encode()
    page = []
    for index, piece in enumerate(frame.pieces):
        if index % 2 == 0:
            page.append(token_bytes.join(piece))
        elif piece == "posts":
            page += posts
        else:
            page += _viewer_pieces(request, piece, view, frame, token_bytes)
    return b"".join(page)
