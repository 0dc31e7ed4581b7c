"""Values read once per request instead of once per use.

Some shared state is consulted by several independent parts of one page: the branding (the
middleware, the visitors' category reach), a member's reach (what they see, what they
moderate). Each read is a cache round trip, and a busy page paid for several of the same.
Inside a request `per_request` keeps the first answer until the response is done; outside
one (tasks, commands, tests calling services directly) it computes every time, as before.
Code that changes such state in the middle of a request calls `per_request_forget`."""

from contextvars import ContextVar

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
