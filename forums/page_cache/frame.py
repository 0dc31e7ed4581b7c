"""The topic page around its posts, rendered once and shared like the posts themselves
(forums.page_cache.posts), and the whole page as visitors get it.

Beyond the viewer's shape, little of the page's frame depends on who is looking: the header's
account corner (their name, menu and unread count), the watch menu, the composer when they
left a draft there, a moderator's topic controls (the "Move to" list is the categories that
moderator sees), the boxes other apps put on the topic (a poll: forums.topic_boxes) and what
they offer ("Add a poll"), and the CSRF token. So the frame is rendered with no request,
for a neutral viewer of the shape, with holes where those go ({% hole %},
forums.page_cache.holes), and cached per topic version, shape, page, reply refusal and
branding version; each request renders only its own pieces and fills them in. Rendering the
whole frame cost a member's topic page more than everything else on it.

A visitor's page is the same frame filled in for any visitor, kept whole (but for a topic
box's hole, see visitor_topic_page): a hit is one cache read. Pages that show something
only one request has (a message, a quote in the composer, other query parameters) are
rendered whole by the view, as any page.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from django.core.cache import cache
from django.template.loader import get_template, render_to_string

from community.page_cache.shared import dashboard_link, member_account_corner, signed_out_corner
from community.per_request import cache_get_many_prefetched
from forums.forms import ReplyForm
from forums.page_cache.holes import SHARED_CONTEXT_FLAG
from forums.page_cache.keys import page_key, topic_version
from forums.page_cache.posts import (
    POST_LIST_SECONDS,
    Shape,
    SharedPost,
    neutral_viewer,
    page_and_cached,
    post_list_pieces,
)
from forums.page_cache.splice import Pieces, cut, fill, filled, hole
from forums.selectors.topic import TopicPage
from forums.templatetags.forum_watching import watch_controls_context
from forums.topic_boxes import boxes_html, boxes_offering, offers_html

# The topic page's part of the site: the header marks "Forums" as where the viewer is.
SECTION = "forums"


class Frame(NamedTuple):
    pieces: Pieces  # the page, with holes (forums.page_cache.splice)
    holes: frozenset[str]  # the names of its holes
    composer: Pieces  # the composer with no draft in it: what most members get


def frame_cache_key(
    view: TopicPage, shape: Shape, page_number: int, branding, dashboard: bool = False
) -> str:
    refusal = hashlib.blake2b((view.reply_refusal or "").encode(), digest_size=6).hexdigest()
    return page_key(
        "topic-frame",
        topic_version(view.topic),
        shape.key,
        page_number,
        refusal,
        branding.version,
        int(dashboard),
    )


def visitor_page_key(topic, page_number: int, branding) -> str:
    return page_key("visitor-page", topic_version(topic), page_number, branding.version)


def _neutral_context(
    view: TopicPage, shape: Shape, branding, dashboard: bool = False, **extra
) -> dict:
    """Everything the topic page's templates read, for nobody in particular: no request (so no
    context processor runs), the viewer of `shape` no one is, the viewer's own parts of
    `view` emptied, and holes for the CSRF token and the posts."""
    topic = view.topic
    neutral = dataclasses.replace(
        view,
        bookmarked_post_ids=set(),
        editable_post_ids=set(),
        deletable_post_ids=set(),
        accepted_answer=None,
        has_draft=False,
        watches=None,
    )
    return {
        SHARED_CONTEXT_FLAG: True,
        "topic": topic,
        "category": topic.category,
        "view": neutral,
        "page": view.page,
        "form": ReplyForm(),
        "branding": branding,
        "user": neutral_viewer(shape),
        # The page's address, the same for everyone (base.html marks the current section).
        "request": SimpleNamespace(
            path=topic.get_absolute_url(), resolver_match=SimpleNamespace(namespace=SECTION)
        ),
        "messages": (),
        "show_dashboard_link": dashboard,
        "csrf_token": hole("csrf"),
        "plain_page_links": True,  # "?page=N": the only query a shared page answers
        **extra,
    }


def frame_render(view: TopicPage, shape: Shape, branding, dashboard: bool = False) -> Frame:
    """The shared frame of `view`'s page for viewers of `shape` (uncached). The topic's boxes
    (forums.topic_boxes) and, for signed-in viewers, what the missing ones offer are holes:
    only a topic that has or may get a box has them."""
    context = _neutral_context(
        view,
        shape,
        branding,
        dashboard,
        posts_html=hole("posts"),
        topic_boxes=hole("boxes") if view.boxes else "",
        topic_offers=hole("offers") if shape.signed_in and boxes_offering(view.boxes) else "",
    )
    pieces = cut(render_to_string("forums/topic_detail.html", context))
    composer = ()
    if view.can_reply:
        composer = cut(render_to_string("forums/_composer.html", context))
    return Frame(pieces, frozenset(pieces[1::2]), composer)


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


def watch_menu_html(request, target, token: bytes, rows=None) -> bytes:
    """The member's watch menu for a topic, category or tag (`rows`: their relevant watches
    when the page has them; else one query)."""
    return watch_menu_filled(watch_menu_of(request.user, target, rows), request, token)


def watch_menu_of(user, target, rows=None) -> WatchMenu:
    """What the member's watch menu for `target` shows: a small value a page may keep."""
    return WatchMenu.of(watch_controls_context(user, target, rows))


def watch_menu_filled(menu: WatchMenu, request, token: bytes) -> bytes:
    return filled(_watch_menu(menu, request.get_full_path()), {"csrf": token})


@lru_cache(maxsize=4096)
def _watch_menu(menu: WatchMenu, next_path: str) -> Pieces:
    """The watch menu, a function of what it shows: each process renders each state once."""
    html = get_template("forums/_watch_controls.html").render(
        {
            **menu.context(),
            "request": SimpleNamespace(get_full_path=lambda: next_path),
            "csrf_token": hole("csrf"),
        }
    )
    return cut(html)


def _member_pieces(request, view: TopicPage, frame: Frame, token: bytes) -> dict:
    """The member's own content for each hole of `frame` (but the posts)."""
    csrf = {"csrf": token}

    def account() -> bytes:
        return member_account_corner(request, token)

    def watch() -> bytes:
        return watch_menu_html(request, view.topic, token, view.watches)

    def composer() -> bytes:
        if not view.has_draft:
            return filled(frame.composer, csrf)
        # The member's draft: theirs alone, rendered for them.
        context = {"topic": view.topic, "category": view.topic.category, "view": view}
        html = get_template("forums/_composer.html").render(
            {**context, "form": ReplyForm()}, request
        )
        return html.encode()

    def moderation() -> bytes:
        # Its "Move to" list is the categories this moderator sees: theirs alone.
        context = {"topic": view.topic, "category": view.topic.category, "view": view}
        return get_template("forums/_topic_moderation.html").render(context, request).encode()

    def boxes() -> bytes:
        return boxes_html(request, view.topic, view.boxes).encode()

    def offers() -> bytes:
        missing = boxes_offering(view.boxes)
        return offers_html(request, view.topic, missing, moderates=view.can_moderate).encode()

    makers = {
        "account": account,
        "watch": watch,
        "composer": composer,
        "moderation": moderation,
        "boxes": boxes,
        "offers": offers,
    }
    values = {"csrf": token}
    for name in frame.holes:
        if name in makers:
            values[name] = makers[name]()
    return values


def member_topic_page(
    request, view: TopicPage, shape: Shape, token: str
) -> tuple[bytes, list[SharedPost]]:
    """A signed-in member's whole topic page (UTF-8) and its posts: the shared frame filled
    with their own pieces, their view of the posts (forums.page_cache.posts) and their CSRF
    `token` in every form."""
    posts, shared = post_list_pieces(request, view, request.GET.get("page"), token=token)
    dashboard = dashboard_link(request)
    key = frame_cache_key(view, shape, view.page.number, request.branding, dashboard)
    frame = cache_get_many_prefetched([key]).get(key)
    if frame is None:
        frame = frame_render(view, shape, request.branding, dashboard)
        cache.set(key, frame, POST_LIST_SECONDS)
    values = _member_pieces(request, view, frame, token.encode())
    values["posts"] = posts
    out: list[bytes] = []
    fill(frame.pieces, values, out)
    return b"".join(out), shared


def visitor_topic_page(request, view: TopicPage) -> bytes:
    """A visitor's whole topic page (UTF-8), the same for every visitor: one cache read when
    it is cached. It has no form to protect, so it carries no token and sets no cookie (nor
    costs the random bytes of one): any shared cache in front may keep it.

    A topic with boxes (forums.topic_boxes) is kept with its "boxes" hole still open, and
    each request fills it: a box changes without its topic changing (a vote moves a poll's
    results), so it must not be frozen into the page for the page's lifetime. Its app keeps
    what visitors see in a cache of its own, under a version its services replace."""
    branding = request.branding
    cached = page_and_cached(
        view,
        raw_page=request.GET.get("page"),
        key_for=lambda number: visitor_page_key(view.topic, number, branding),
    )
    if cached is None:
        posts, _ = post_list_pieces(request, view, request.GET.get("page"), token="")
        frame = frame_render(view, Shape(), branding)
        values = {
            "csrf": b"",
            "posts": posts,
            "account": signed_out_corner(),
            "watch": filled(_watch_menu(WatchMenu(show=False), ""), {"csrf": b""}),
        }
        if view.boxes:
            values["boxes"] = hole("boxes").encode()
        cached = filled(frame.pieces, values)
        if view.boxes:
            cached = cut(cached.decode())
        cache.set(
            visitor_page_key(view.topic, view.page.number, branding), cached, POST_LIST_SECONDS
        )
    if type(cached) is bytes:
        return cached
    return filled(cached, {"boxes": boxes_html(request, view.topic, view.boxes).encode()})
