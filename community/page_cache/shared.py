"""A page kept in the cache once for everyone of one kind of viewer, filled in per request.

The page is rendered without a request, for a neutral viewer of the kind (`SomeoneElse` when
signed in), with holes (community.page_cache.splice) for the CSRF token, the header's account
corner and whatever else is the viewer's own; `shared_page` looks it up, renders it on a miss
and fills in this request's pieces. A visitor's page has nothing of its own: it is filled in
once, when it is stored, and served as it is. The caller's key must hold everything else that
decides what the page shows (the kind of viewer, the data's versions, the branding's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache as memoize
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.template import engines
from django.template.loader import get_template

from community.notifications import UnreadBadge, unread_count_for
from community.page_cache.holes import SHARED_CONTEXT_FLAG
from community.page_cache.splice import Pieces, cut, fill, filled, hole
from community.per_request import cache_get_many_prefetched, per_request

# Extra hole values for one request: (the cached entry, the request's token or b"" for the
# visitors' copy) -> {hole name: bytes}.
ExtraValues = Callable[[object, bytes], Mapping[str, bytes]]


def shared_key(app: str, kind: str, *parts) -> str:
    """A shared page's cache key. It carries settings.RELEASE_ID, so a deploy never serves
    HTML rendered by the code before it, nor unpickles what that code kept."""
    return ":".join((app, kind, settings.RELEASE_ID, *(str(part) for part in parts)))


class SomeoneElse:
    """The signed-in viewer shared HTML is rendered for: nobody in particular, the author of
    no post and the owner of no profile (not even an erased member's, whose pk is gone)."""

    is_authenticated = True
    is_anonymous = False
    pk = -1
    username = ""
    public_name = ""
    email = ""
    is_staff = False


def neutral_viewer(signed_in: bool):
    return SomeoneElse() if signed_in else AnonymousUser()


def neutral_context(
    *, signed_in: bool, branding, path: str, query, section: str | None, dashboard: bool
) -> dict:
    """What base.html and the shell read, for nobody in particular of the kind: no request
    (so no context processor runs), the neutral viewer, holes for the token and the account
    corner ({% hole "account" %}), no messages (a page with one is never shared)."""
    return {
        SHARED_CONTEXT_FLAG: True,
        "branding": branding,
        "user": neutral_viewer(signed_in),
        "show_dashboard_link": dashboard,
        "request": SimpleNamespace(
            path=path, GET=query, resolver_match=SimpleNamespace(namespace=section)
        ),
        "messages": (),
        "csrf_token": hole("csrf"),
    }


def dashboard_link(request) -> bool:
    """Whether the header shows this viewer the dashboard link, as the template context
    processors decide it for every page (the dashboard belongs to an app above the others)."""
    if not request.user.is_authenticated:
        return False

    def compute() -> bool:
        values = {}
        for processor in engines["django"].engine.template_context_processors:
            values.update(processor(request))  # lazy values: only the one read costs anything
        return bool(values.get("show_dashboard_link"))

    return per_request(f"forums:dashboard-link:{request.user.pk}", compute)


@lru_cache(maxsize=4096)
def _account_corner(
    username: str, public_name: str, is_staff: bool, unread: UnreadBadge, section: str | None
) -> Pieces:
    """The header's account corner, a function of these alone: each process renders it once
    per member and unread count (the token is a hole)."""
    member = SimpleNamespace(
        is_authenticated=True, username=username, public_name=public_name, is_staff=is_staff
    )
    html = get_template("community/_account_nav.html").render(
        {
            "user": member,
            "notification_badge": unread,
            "request": SimpleNamespace(resolver_match=SimpleNamespace(namespace=section)),
            "csrf_token": hole("csrf"),
        }
    )
    return cut(html)


def member_account_corner(request, token: bytes, section: str | None = None) -> bytes:
    """The signed-in member's account corner, their unread count in it, `token` in its form."""
    user = request.user
    badge = UnreadBadge(count=unread_count_for(user_id=user.pk))
    corner = _account_corner(user.username, user.public_name, user.is_staff, badge, section)
    return filled(corner, {"csrf": token})


@memoize
def signed_out_corner() -> bytes:
    return get_template("community/_account_nav.html").render({"user": AnonymousUser()}).encode()


def viewer_values(request) -> dict[str, bytes]:
    """What every shared page's frame leaves to the viewer: their CSRF token and the
    header's account corner (a visitor's: no token, the sign-in links)."""
    if not request.user.is_authenticated:
        return {"csrf": b"", "account": signed_out_corner()}
    from django.middleware.csrf import get_token

    token = get_token(request).encode()
    return {"csrf": token, "account": member_account_corner(request, token)}


class KeptPart(NamedTuple):
    """Something of the viewer's own that a page keeps between their requests (their reading
    state of a list's rows, their watch menu): `make(entry)` works it out from the shared
    entry (a picklable value), kept under `key` (which must change with what it shows) and
    fetched with the page in one round trip; `fill(value, token)` turns it into hole values.
    A visitor's is made once, into the visitors' copy."""

    key: str
    make: Callable[[object], object]
    fill: Callable[[object, bytes], Mapping[str, bytes]]


def shared_page(
    request,
    key: str,
    render: Callable[[], object],
    *,
    seconds: int,
    own: Mapping[str, Callable[[bytes], bytes]] | None = None,
    extra: ExtraValues | None = None,
    live: Callable[[str], bytes | None] | None = None,
    kept: Sequence[KeptPart] = (),
) -> bytes:
    """The page for this request: the entry under `key` (made by `render()` when missing:
    anything with `pieces`, the page cut at its holes), filled in with the viewer's account
    corner and token, `own`'s holes (name: a function of the token returning the viewer's
    piece), `extra`'s and `live`'s. A visitor's page is filled once, for every visitor, when
    it is stored for `seconds`, but for its live holes: what must not stay as it was rendered
    for so long (a clock), filled in for every request, visitors' included (`live(name)`:
    the hole's value, None when the hole is not a live one)."""
    own = own or {}
    signed_in = request.user.is_authenticated
    cached = cache_get_many_prefetched([key, *(part.key for part in kept)] if signed_in else [key])
    found = cached.get(key)
    if found is None:
        found = render()
        if not signed_in:
            values = viewer_values(request)
            values.update({name: make(b"") for name, make in own.items()})
            if extra is not None:
                values.update(extra(found, b""))
            for part in kept:
                values.update(part.fill(part.make(found), b""))
            live_names = _live_names(found.pieces, live)
            values.update({name: hole(name).encode() for name in live_names})  # left open
            found = filled(found.pieces, values)
            if live_names:
                found = cut(found.decode())
        cache.set(key, found, seconds)
    if type(found) is bytes:
        return found
    if type(found) is tuple:  # a visitor's page with live holes
        return filled(found, {name: live(name) for name in found[1::2]})
    values = viewer_values(request)
    token = values["csrf"]
    values.update({name: make(token) for name, make in own.items()})
    if extra is not None:
        values.update(extra(found, token))
    for part in kept:
        value = cached.get(part.key)
        if value is None:
            value = part.make(found)
            cache.set(part.key, value, seconds)
        values.update(part.fill(value, token))
    for name in _live_names(found.pieces, live):
        values[name] = live(name)
    out: list[bytes] = []
    fill(found.pieces, values, out)
    return b"".join(out)


def _live_names(pieces: Pieces, live) -> set[str]:
    if live is None:
        return set()
    return {name for name in pieces[1::2] if live(name) is not None}
