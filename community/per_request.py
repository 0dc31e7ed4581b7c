"""Values read once per request instead of once per use.

Some shared state is consulted by several independent parts of one page: the branding (the
middleware, the visitors' category reach), a member's reach (what they see, what they
moderate). Each read is a cache round trip, and a busy page paid for several of the same.
Inside a request `per_request` keeps the first answer until the response is done; outside
one (tasks, commands, tests calling services directly) it computes every time, as before.
Code that changes such state in the middle of a request calls `per_request_forget`.

A page that knows early which cache entries its parts will read can also fetch them all in
one round trip (`cache_prefetch`); the parts read through `cache_get_many_prefetched`. A
member's request fetches what the apps registered for members (`member_prefetch_register`:
their access versions, reach, notification count...) in one more, as soon as the session
names the member."""

from collections.abc import Callable
from contextvars import ContextVar

from django.core.cache import cache

_memo: ContextVar[dict | None] = ContextVar("hearth_per_request", default=None)


def per_request(key: str, compute):
    memo = _memo.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def per_request_set(key: str, value) -> None:
    """What `per_request(key, …)` answers for the rest of the request (a value some code
    fetched together with its own, say). Outside a request it does nothing."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


_MISSING = object()


def cache_prefetch(keys: list[str], *, kept: frozenset[str] = frozenset()) -> None:
    """Read these cache entries now, in one round trip, for parts of the page that will ask
    for them later (`cache_get_many_prefetched`). The `kept` ones serve every read until
    `per_request_forget` (versions that several parts compare with and whose writers call
    it); the others one read each. Outside a request it does nothing."""
    memo = _memo.get()
    if memo is None:
        return
    found = cache.get_many(keys)
    for key in keys:
        memo["kept" if key in kept else "prefetched", key] = found.get(key, _MISSING)


# What a member's pages will read from the cache, by the apps that read it (registered from
# their AppConfig.ready()): each takes the member's id and returns cache keys, and says
# whether they are versions to keep for every read (cache_prefetch's `kept`).
_MEMBER_PREFETCHES: list[tuple[Callable[[int], list[str]], bool]] = []


def member_prefetch_register(keys_for: Callable[[int], list[str]], *, kept: bool = False) -> None:
    """Have `keys_for(user_id)` fetched with every signed-in member's request (idempotent)."""
    if (keys_for, kept) not in _MEMBER_PREFETCHES:
        _MEMBER_PREFETCHES.append((keys_for, kept))


def member_prefetch(user_id: int) -> None:
    """Fetch, in one round trip, what the registered parts of a member's page will read."""
    keys: list[str] = []
    kept: set[str] = set()
    for keys_for, keep in _MEMBER_PREFETCHES:
        these = keys_for(user_id)
        keys += these
        if keep:
            kept.update(these)
    if keys:
        cache_prefetch(list(dict.fromkeys(keys)), kept=frozenset(kept))


def cache_get_many_prefetched(keys: list[str]) -> dict:
    """cache.get_many, taking what `cache_prefetch` read for this request instead of asking
    again. Each prefetched entry serves one read: whoever reads it again (after writing it,
    say) goes to the cache."""
    memo = _memo.get()
    found = {}
    wanted = []
    for key in keys:
        value = None
        if memo is not None:
            value = memo.get(("kept", key)) or memo.pop(("prefetched", key), None)
        if value is None:
            wanted.append(key)
        elif value is not _MISSING:
            found[key] = value
    if wanted:
        found.update(cache.get_many(wanted))
    return found


def per_request_forget() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class PerRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
