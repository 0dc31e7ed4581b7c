"""Values read once per request instead of once per use.

Some shared state is consulted by several independent parts of one page: the branding (the
middleware, the visitors' category reach), a member's reach (what they see, what they
moderate). Each read is a cache round trip, and a busy page paid for several of the same.
Inside a request `per_request` keeps the first answer until the response is done; outside
one (tasks, commands, tests calling services directly) it computes every time, as before.
Code that changes such state in the middle of a request calls `per_request_forget`.

A page that knows early which cache entries its parts will read can also fetch them all in
one round trip (`cache_prefetch`); the parts read through `cache_get_many_prefetched`."""

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


def cache_prefetch(keys: list[str]) -> None:
    """Read these cache entries now, in one round trip, for parts of the page that will ask
    for them later (`cache_get_many_prefetched`). Outside a request it does nothing."""
    memo = _memo.get()
    if memo is None:
        return
    found = cache.get_many(keys)
    for key in keys:
        memo["prefetched", key] = found.get(key, _MISSING)


def cache_get_many_prefetched(keys: list[str]) -> dict:
    """cache.get_many, taking what `cache_prefetch` read for this request instead of asking
    again. Each prefetched entry serves one read: whoever reads it again (after writing it,
    say) goes to the cache."""
    memo = _memo.get()
    found = {}
    wanted = []
    for key in keys:
        value = memo.pop(("prefetched", key), None) if memo is not None else None
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
