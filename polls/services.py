"""Writes for polls: create, vote, change a vote, close, reopen and delete.

Every service checks its own permissions (polls.permissions), so any caller is safe, and
raises ValidationError (bad input, a closed poll, a second vote) or PermissionDenied with a
message the member can act on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from forums.models import Topic
from forums.services.posts import topic_touch
from members.models import User
from polls.box_cache import results_changed
from polls.models import (
    MAX_OPTIONS,
    OPTION_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    Ballot,
    Choice,
    Option,
    Poll,
    PollKind,
    ResultsVisibility,
    choice_limits_errors,
)
from polls.permissions import check_create_poll, check_manage_poll, check_vote

ALREADY_VOTED = "You have already voted in this poll."
ANONYMOUS_FINAL = "Votes in anonymous polls are final: nobody can tell which choices were yours."


@transaction.atomic
def poll_create(
    *,
    topic: Topic,
    author: User,
    question: str,
    options: Sequence[str],
    kind: str = PollKind.SINGLE,
    min_choices: int = 1,
    max_choices: int | None = None,
    closes_at: datetime | None = None,
    results_visibility: str = ResultsVisibility.ALWAYS,
    is_anonymous: bool = False,
    voter_groups: Iterable[Group] = (),
) -> Poll:
    """Add a poll to `topic`. Preconditions: `author` sees the topic and wrote it, or
    moderates its category (PermissionDenied otherwise); the topic has no poll yet; 2 to
    MAX_OPTIONS distinct options (1 is enough for a rating poll; blank lines don't count);
    min/max choices only for multiple choice, the most not fewer than the fewest and neither
    more than the options; `closes_at` in the future. Every refusal is a ValidationError per
    field, before anything is written."""
    check_create_poll(author, topic)
    texts = [text.strip() for text in options if text.strip()]
    errors: dict[str, list[str]] = {}
    least = 1 if kind == PollKind.RATING else 2
    if not least <= len(texts) <= MAX_OPTIONS:
        errors.setdefault("options", []).append(
            f"Give between {least} and {MAX_OPTIONS} options, one per line."
        )
    if len({text.casefold() for text in texts}) != len(texts):
        errors.setdefault("options", []).append("Each option must be different.")
    if any(len(text) > OPTION_MAX_LENGTH for text in texts):
        errors.setdefault("options", []).append(
            f"Options can be at most {OPTION_MAX_LENGTH} characters long."
        )
    if kind == PollKind.MULTIPLE:
        for name, message in choice_limits_errors(min_choices, max_choices).items():
            errors.setdefault(name, []).append(message)
        if max_choices is not None and max_choices > len(texts):
            errors.setdefault("max_choices", []).append(
                "The most choices can't be more than the number of options."
            )
        if min_choices > len(texts):
            errors.setdefault("min_choices", []).append(
                "The fewest choices can't be more than the number of options."
            )
    else:
        min_choices, max_choices = 1, None
    if closes_at is not None and closes_at <= timezone.now():
        errors.setdefault("closes_at", []).append("The closing time must be in the future.")
    if Poll.objects.filter(topic=topic).exists():
        errors.setdefault("__all__", []).append("This topic already has a poll.")
    if errors:
        raise ValidationError(errors)

    poll = Poll(
        topic=topic,
        question=question.strip(),
        kind=kind,
        min_choices=min_choices,
        max_choices=max_choices,
        closes_at=closes_at,
        results_visibility=results_visibility,
        is_anonymous=is_anonymous,
        created_by=author,
    )
    poll.full_clean(exclude=["topic"])
    try:
        with transaction.atomic():
            poll.save()
    except IntegrityError:
        raise ValidationError("This topic already has a poll.") from None
    Option.objects.bulk_create(
        Option(poll=poll, text=text, position=position) for position, text in enumerate(texts, 1)
    )
    poll.voter_groups.set(list(voter_groups))
    # The topic's page now has a poll box: its cached pages are out of date.
    topic_touch(topic.pk)
    results_changed(topic.pk)
    return poll


def _choices_for(
    poll: Poll,
    *,
    selection: Sequence[int] | None,
    ratings: Mapping[int, int] | None,
) -> list[Choice]:
    """The Choice rows for one vote, validated against the poll's kind (not yet saved)."""
    option_ids = list(poll.options.values_list("pk", flat=True))
    known = set(option_ids)
    sheet = uuid.uuid4()
    if poll.kind == PollKind.RATING:
        ratings = dict(ratings or {})
        if set(ratings) - known:
            raise ValidationError("Rate only the options of this poll.", code="unknown_option")
        if set(ratings) != known:
            raise ValidationError("Give every option a rating.", code="incomplete")
        if any(not RATING_MIN <= value <= RATING_MAX for value in ratings.values()):
            raise ValidationError(
                f"Ratings go from {RATING_MIN} to {RATING_MAX}.", code="rating_range"
            )
        return [
            Choice(poll=poll, option_id=pk, sheet=sheet, value=ratings[pk]) for pk in option_ids
        ]

    picked = list(selection or [])
    if set(picked) - known:
        raise ValidationError("Choose among this poll's options.", code="unknown_option")
    if len(set(picked)) != len(picked):
        raise ValidationError("Each option can be chosen only once.", code="duplicate")
    if not picked:
        raise ValidationError("Choose an option to vote.", code="empty")
    if poll.kind == PollKind.SINGLE and len(picked) != 1:
        raise ValidationError("Choose exactly one option.", code="count")
    if poll.kind == PollKind.MULTIPLE:
        most = poll.max_choices or len(option_ids)
        if not poll.min_choices <= len(picked) <= most:
            if poll.min_choices == most:
                message = f"Choose exactly {most} options."
            else:
                message = f"Choose between {poll.min_choices} and {most} options."
            raise ValidationError(message, code="count")
    ranked = poll.kind == PollKind.RANKED
    return [
        Choice(poll=poll, option_id=pk, sheet=sheet, rank=rank if ranked else None)
        for rank, pk in enumerate(picked, 1)
    ]


@transaction.atomic
def vote_cast(
    *,
    poll: Poll,
    voter: User,
    selection: Sequence[int] | None = None,
    ratings: Mapping[int, int] | None = None,
) -> Ballot:
    """Record `voter`'s vote. `selection`: the chosen option ids (single, multiple), or the
    ranked ones in order of preference (ranked: a subset, first choice first); `ratings`:
    option id -> 1..5 for every option (rating).

    Preconditions: `voter` sees the poll, is a member in good standing, in its voter groups
    if it has any, and the poll has not ended (PermissionDenied with the reason). Invalid
    choices and a second vote are ValidationErrors. The ballot is inserted first, inside a
    savepoint: of two simultaneous first votes by one member the database's unique
    constraint lets one through and the other gets ALREADY_VOTED, before it writes any
    choice."""
    check_vote(voter, poll)
    choices = _choices_for(poll, selection=selection, ratings=ratings)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(poll=poll, voter=voter)
    except IntegrityError:
        raise ValidationError(ALREADY_VOTED, code="already_voted") from None
    if not poll.is_anonymous:
        for choice in choices:
            choice.ballot = ballot
    Choice.objects.bulk_create(choices)
    Poll.objects.filter(pk=poll.pk).update(ballot_count=F("ballot_count") + 1)
    # The caller shows the poll next (the box after a vote); it must count this vote.
    poll.refresh_from_db(fields=["ballot_count"])
    results_changed(poll.topic_id)
    return ballot


@transaction.atomic
def vote_change(
    *,
    poll: Poll,
    voter: User,
    selection: Sequence[int] | None = None,
    ratings: Mapping[int, int] | None = None,
) -> Ballot:
    """Replace `voter`'s choices (arguments as vote_cast) while the poll is open. Refused
    in anonymous polls (ANONYMOUS_FINAL): their choices cannot be found again, by design.
    The ballot row is locked, so two changes at once apply one after the other."""
    check_vote(voter, poll)
    if poll.is_anonymous:
        raise ValidationError(ANONYMOUS_FINAL, code="anonymous_final")
    ballot = Ballot.objects.select_for_update().filter(poll=poll, voter=voter).first()
    if ballot is None:
        raise ValidationError("You haven't voted in this poll yet.", code="no_ballot")
    choices = _choices_for(poll, selection=selection, ratings=ratings)
    Choice.objects.filter(ballot=ballot).delete()
    for choice in choices:
        choice.ballot = ballot
    Choice.objects.bulk_create(choices)
    Ballot.objects.filter(pk=ballot.pk).update(updated_at=timezone.now())
    results_changed(poll.topic_id)
    return ballot


@transaction.atomic
def poll_close(*, poll: Poll, actor: User) -> Poll:
    """Close `poll` by hand now. Only the category's moderators (check_manage_poll)."""
    check_manage_poll(actor, poll)
    if not poll.is_closed:
        poll.is_closed = True
        poll.closed_at = timezone.now()
        poll.save(update_fields=["is_closed", "closed_at", "updated_at"])
        results_changed(poll.topic_id)
    return poll


@transaction.atomic
def poll_reopen(*, poll: Poll, actor: User, closes_at: datetime | None = None) -> Poll:
    """Open `poll` again for votes. A closing time that has passed would close it again at
    once, so it is replaced by `closes_at` (None: no closing time)."""
    check_manage_poll(actor, poll)
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise ValidationError({"closes_at": "The closing time must be in the future."})
    poll.is_closed = False
    poll.closed_at = None
    if closes_at is not None or (poll.closes_at is not None and poll.closes_at <= now):
        poll.closes_at = closes_at
    poll.save(update_fields=["is_closed", "closed_at", "closes_at", "updated_at"])
    results_changed(poll.topic_id)
    return poll


@transaction.atomic
def poll_delete(*, poll: Poll, actor: User) -> None:
    """Delete `poll` with its votes. Only the category's moderators (check_manage_poll)."""
    check_manage_poll(actor, poll)
    topic_id = poll.topic_id
    poll.delete()
    topic_touch(topic_id)
    results_changed(topic_id)
