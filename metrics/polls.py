"""Poll participation for the KPI catalogue: for every poll that ended in a window, the
share of the members who could vote in it who did (polls.selectors.with_participation
defines who counts), and the mean of those shares. docs/polls.md states the formula."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from polls.models import Poll
from polls.selectors import participation_rate, with_participation


@dataclass(frozen=True)
class PollParticipation:
    poll_id: int
    question: str
    ended_at: datetime
    participants: int
    eligible: int
    rate: float | None  # participants / eligible; None when nobody was eligible


@dataclass(frozen=True)
class ParticipationReport:
    polls: list[PollParticipation]
    # The unweighted mean of the polls' rates (polls nobody could vote in left out); None
    # when no poll ended in the window.
    mean: float | None


def poll_participation(
    *, start: datetime, end: datetime, now=None, among: Q | None = None
) -> ParticipationReport:
    """Participation in the polls that ended in [start, end): `start` included, `end`
    excluded, so consecutive windows count each poll once. A poll ends when it is closed
    by hand or its closing time passes, whichever comes first. `among` narrows who counts
    as a member (with_participation). One query."""
    now = now or timezone.now()
    polls = (
        with_participation(Poll.objects.all(), now=now, among=among)
        .filter(ended_at__gte=start, ended_at__lt=end)
        .order_by("ended_at", "pk")
    )
    rows = [
        PollParticipation(
            poll_id=poll.pk,
            question=poll.question,
            ended_at=poll.ended_at,
            participants=poll.participants,
            eligible=poll.eligible,
            rate=participation_rate(poll),
        )
        for poll in polls
    ]
    rates = [row.rate for row in rows if row.rate is not None]
    return ParticipationReport(polls=rows, mean=sum(rates) / len(rates) if rates else None)
