"""Where a member lands after signing in without asking for a page (`?next=` wins): the first
app that names a page for them, else the home page. Apps above this layer register in their
AppConfig.ready() (the metrics send executives to their dashboard), so members imports none
of them."""

from __future__ import annotations

from collections.abc import Callable

# (user) -> a local path, or None to let the next one (or the home page) decide.
LOGIN_LANDINGS: list[Callable[..., str | None]] = []


def login_landing_register(landing: Callable[..., str | None]) -> None:
    if landing not in LOGIN_LANDINGS:
        LOGIN_LANDINGS.append(landing)


def login_landing(user) -> str | None:
    for landing in LOGIN_LANDINGS:
        path = landing(user)
        if path:
            return path
    return None
