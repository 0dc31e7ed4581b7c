"""Shared HTML with holes: the one way a cached page is cut and filled in.

A template rendered for sharing writes `hole(name)` wherever something of one viewer's own
goes (their CSRF token, their account corner, their reading state on a row). `cut` turns
the HTML into pieces: text, a hole's name, text, …, text, the texts as UTF-8 so that a
response is assembled with one copy (on a 120 KB page each extra copy cost the worker an
allocation the size of the page). `fill` joins the pieces with each viewer's own values
and refuses a hole nobody filled: a page that silently left something out would look
fine in a test and be wrong in production.

The marker is derived from SECRET_KEY, so nobody can write a hole into a post or a title
to have something put there.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache as memoize

from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

# What `cut` returns: text, name, text, …, text (an odd number of items, texts as bytes).
Pieces = tuple


class UnknownHole(LookupError):
    """A shared piece has a hole its caller did not fill."""


@memoize
def marker() -> str:
    """The text on either side of a hole's name."""
    return "hole-" + salted_hmac("forums.page-cache.hole", "marker").hexdigest()[:24]


def hole(name: str) -> SafeString:
    """What a template writes where `name`'s content goes."""
    mark = marker()
    return mark_safe(f"{mark}{name}{mark}")  # noqa: S308 - our own marker


def cut(html: str) -> Pieces:
    parts = html.split(marker())
    return tuple(part.encode() if index % 2 == 0 else part for index, part in enumerate(parts))


def fill(pieces: Pieces, values: Mapping[str, bytes | list[bytes]], out: list[bytes]) -> None:
    """Append `pieces` to `out` with each hole replaced by `values[name]` (bytes, or a list
    of bytes appended in order). UnknownHole for a hole `values` has no value for."""
    out.append(pieces[0])
    for index in range(1, len(pieces), 2):
        name = pieces[index]
        try:
            value = values[name]
        except KeyError:
            raise UnknownHole(f"nothing fills the hole {name!r} of a shared page") from None
        if type(value) is bytes:
            out.append(value)
        else:
            out.extend(value)
        out.append(pieces[index + 1])


def filled(pieces: Pieces, values: Mapping[str, bytes | list[bytes]]) -> bytes:
    out: list[bytes] = []
    fill(pieces, values, out)
    return b"".join(out)
