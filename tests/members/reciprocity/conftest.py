from datetime import UTC, datetime, timedelta

import pytest

from members.models import SupportAct

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def act(giver, receiver, kind, at) -> SupportAct:
    """A support act as the forums/members services would record it, at a chosen time."""
    return SupportAct.objects.create(giver=giver, receiver=receiver, kind=kind, occurred_at=at)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def now():
    return NOW
