"""One rate limiter for every member action that needs one (follows, shout-outs, account
erase attempts, posts and flags): windows counted in the shared cache.

allauth keeps its own limits for sign-up and log-in; everything of Hearth's uses this."""

from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from community.exceptions import ApplicationError


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int
    description: str  # "5 shout-outs an hour": shown to the member when they hit it


class RateLimited(ApplicationError):
    """Too many of something in a window; `retry_after` is in seconds (views send it as the
    Retry-After header of a 429)."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after


def client_key(request) -> str:
    """Whom a request's limits count against: the member, or a visitor's IP address (an
    office behind one address shares it; a visitor can drop cookies, not their address)."""
    if request.user.is_authenticated:
        return f"member:{request.user.pk}"
    try:
        return f"ip:{get_adapter(request).get_client_ip(request)}"
    except PermissionDenied:  # no address at all: share one bucket rather than none
        return "ip:unknown"


def rate_limit_hit(*, scope: str, key: str | int, limits: tuple[RateLimit, ...]) -> None:
    """Count one attempt against each window and raise RateLimited when any is over.

    A window opens at the first attempt and lasts `seconds`; it is not aligned to the clock,
    so "1 post every 5 seconds" cannot be beaten by two posts either side of a boundary.
    The counters live in the Django cache (Redis in production), so every web process and
    worker shares them; `add` then `incr` is atomic there. A refused attempt still counts,
    so hammering does not reopen the window early."""
    now = int(timezone.now().timestamp())
    for limit in limits:
        opened_key = f"ratelimit:{scope}:{key}:{limit.seconds}"
        opened = cache.get(opened_key)
        if opened is None or now >= opened + limit.seconds:
            if opened is not None:  # over by the clock; the cache's expiry may lag a second
                cache.delete(opened_key)
            cache.add(opened_key, now, timeout=limit.seconds + 60)
            opened = cache.get(opened_key, now)  # another process may have opened it first
        count_key = f"{opened_key}:{opened}"
        cache.add(count_key, 0, timeout=limit.seconds + 60)
        try:
            hits = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, timeout=limit.seconds + 60)
            hits = 1
        if hits > limit.count:
            retry_after = max(1, opened + limit.seconds - now)
            raise RateLimited(
                f"You have reached the limit of {limit.description}. "
                f"Please try again in {_humanize_seconds(retry_after)}.",
                retry_after=retry_after,
            )


def _humanize_seconds(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    if minutes < 60:  # 3,599 seconds is "about 1 hour", not "about 60 minutes"
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(seconds / 3600)
    return f"about {hours} hour{'s' if hours != 1 else ''}"
