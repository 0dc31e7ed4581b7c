"""Query budgets that depend on the set-up the suite runs on."""

from django.conf import settings


def session_queries() -> int:
    """A member's session is read from Redis with PostgreSQL and Redis (community.sessions),
    from the database on the default SQLite set-up: one more query per request there."""
    return 0 if settings.SESSION_ENGINE == "community.sessions" else 1
