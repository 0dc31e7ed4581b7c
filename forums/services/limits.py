"""Posting rate limits (docs/decisions.md, "Forums (issue 4)"). Counted in the shared cache
by community.ratelimit, so they hold across web processes."""

from community.ratelimit import RateLimit, rate_limit_hit
from members.models import TrustLevel, User

DAY = 24 * 60 * 60

# Everyone: a burst guard against double submits and scripts.
POST_SPACING = RateLimit(count=1, seconds=5, description="1 post every 5 seconds")
POST_SPACING_LIMITS: tuple[RateLimit, ...] = (POST_SPACING,)
# New members (trust level 0), as Discourse's first-day limits.
NEW_MEMBER_TOPIC_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(count=3, seconds=DAY, description="3 new topics a day for new members"),
)
NEW_MEMBER_REPLY_LIMITS: tuple[RateLimit, ...] = (
    RateLimit(count=10, seconds=DAY, description="10 replies a day for new members"),
)


def posting_limits_hit(*, author: User, is_topic: bool) -> None:
    """Count one post by `author` and raise community.ratelimit.RateLimited when over."""
    if author.trust_level == TrustLevel.NEW:
        if is_topic:
            rate_limit_hit(scope="forum-topic", key=author.pk, limits=NEW_MEMBER_TOPIC_LIMITS)
        else:
            rate_limit_hit(scope="forum-reply", key=author.pk, limits=NEW_MEMBER_REPLY_LIMITS)
    rate_limit_hit(scope="forum-post", key=author.pk, limits=POST_SPACING_LIMITS)
