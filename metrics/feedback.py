"""'Did this answer your question?': readers' one-click answers on solved topics and library
resources, which community_success_rate and estimated_deflection read.

Each person has one answer per item, the latest: a member by their account, a visitor by a
keyed hash of their session key (the session is created when they click, never on a page
view, so pages stay shareable). Checking who may see the item is the caller's (the views
load it through forums' and library's permission helpers); this checks what is true for
everyone (the topic is solved and on show) and the rate limits."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.crypto import salted_hmac

from community.exceptions import ApplicationError
from community.ratelimit import RateLimit, rate_limit_hit
from community.timezones import community_today
from forums.models import Topic
from library.models import Resource
from metrics.models import AnswerFeedback

# Enough for a reader going through a list of answers, not for a script skewing the rate.
ANSWER_LIMITS = (
    RateLimit(20, 60, "20 answers a minute"),
    RateLimit(200, 24 * 60 * 60, "200 answers a day"),
)
NOT_SOLVED = "This topic has no accepted answer to rate yet."


def member_voter(member_id: int) -> str:
    return f"m:{member_id}"


def visitor_voter(session_key: str) -> str:
    """A visitor's key: the session key itself would sign in as them if it leaked."""
    return "v:" + salted_hmac("metrics.answer-feedback", session_key).hexdigest()[:40]


def prompt_refusal(topic: Topic) -> str | None:
    """Why `topic` takes no answers (None when it does): only solved topics on show."""
    if topic.accepted_answer_id is None or topic.is_hidden or topic.merged_into_id is not None:
        return NOT_SOLVED
    return None


def answer_record(
    *,
    answered: bool,
    voter: str,
    member=None,
    topic: Topic | None = None,
    resource: Resource | None = None,
    limit_key: str,
    now: datetime | None = None,
) -> AnswerFeedback:
    """Store `voter`'s answer on `topic` or `resource`, replacing their earlier one (a
    double click or two racing requests leave one row: an upsert on the unique voter
    key). ApplicationError for a topic without an accepted answer; RateLimited past
    ANSWER_LIMITS, counted against `limit_key` (the member, or a visitor's address)."""
    if (topic is None) == (resource is None):
        raise ValueError("Answer about one topic or one resource.")
    if topic is not None:
        refusal = prompt_refusal(topic)
        if refusal:
            raise ApplicationError(refusal)
    rate_limit_hit(scope="answer-feedback", key=limit_key, limits=ANSWER_LIMITS)
    now = now or timezone.now()
    row = AnswerFeedback(
        topic=topic,
        resource=resource,
        member=member if member is not None and member.is_authenticated else None,
        voter=voter,
        answered=answered,
        day=community_today(now),
    )
    AnswerFeedback.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["topic", "voter"] if topic is not None else ["resource", "voter"],
        update_fields=["answered", "day", "member", "updated_at"],
    )
    return row
