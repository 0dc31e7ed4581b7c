"""Polls attached to forum topics.

A poll is seen exactly by those who see its topic (forums.permissions), so a poll in a
private category is private too. Every vote leaves one Ballot row per member and poll (a
unique constraint: a double click or a race never counts twice) and a Choice row per chosen,
ranked or rated option.

Anonymous polls keep the two apart: the Ballot says that a member voted (which is all that
double voting needs) and carries no choices; the Choice rows carry no ballot, no voter and
no timestamp, and a random key, so neither the schema nor the insertion order ties a choice
to a person. The choices of one vote share a random `sheet` id, which ranked-choice counting
needs to keep a voter's ranking together. See docs/polls.md."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from community.db import BaseModel

QUESTION_MAX_LENGTH = 300
OPTION_MAX_LENGTH = 200
MAX_OPTIONS = 20
RATING_MIN = 1
RATING_MAX = 5

MAX_BELOW_MIN = "The most choices can't be fewer than the fewest."
MIN_BELOW_ONE = "The fewest choices must be at least 1."


def choice_limits_errors(min_choices: int, max_choices: int | None) -> dict[str, str]:
    """What is wrong with a multiple-choice poll's limits, per field. The rule lives here so
    the model's clean, the service and the form give the same message; the database's check
    constraints back it up with a message nobody should need to read."""
    errors = {}
    if min_choices is not None and min_choices < 1:
        errors["min_choices"] = MIN_BELOW_ONE
    if max_choices is not None and min_choices is not None and max_choices < min_choices:
        errors["max_choices"] = MAX_BELOW_MIN
    return errors


class PollKind(models.TextChoices):
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    RATING = "rating", "Rating (1–5)"
    RANKED = "ranked", "Ranked choice"


class ResultsVisibility(models.TextChoices):
    ALWAYS = "always", "Always"
    AFTER_VOTE = "after_vote", "After voting"
    AFTER_CLOSE = "after_close", "After the poll closes"
    STAFF = "staff", "Moderators only"


class Poll(BaseModel):
    topic = models.OneToOneField("forums.Topic", on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=QUESTION_MAX_LENGTH)
    kind = models.CharField(max_length=16, choices=PollKind.choices, default=PollKind.SINGLE)
    # Multiple choice only: how many options a vote picks (max None: up to all of them).
    min_choices = models.PositiveSmallIntegerField(default=1)
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Closed by hand (a moderator); `closes_at` closes it by the clock without a write.
    is_closed = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    results_visibility = models.CharField(
        max_length=16, choices=ResultsVisibility.choices, default=ResultsVisibility.ALWAYS
    )
    is_anonymous = models.BooleanField(default=False)
    # Empty: every member who sees the topic may vote. Otherwise only members of these groups.
    voter_groups = models.ManyToManyField(Group, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Denormalised: moved with F() by polls.services in the voting transaction.
    ballot_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(min_choices__gte=1), name="polls_poll_min_choices"),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=F("min_choices")),
                name="polls_poll_max_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self):
        errors = choice_limits_errors(self.min_choices, self.max_choices)
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return reverse("polls:poll-detail", args=[self.pk])

    def has_ended_at(self, now) -> bool:
        return self.is_closed or (self.closes_at is not None and self.closes_at <= now)

    @property
    def has_ended(self) -> bool:
        return self.has_ended_at(timezone.now())


class Option(BaseModel):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=OPTION_MAX_LENGTH)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="polls_option_position_uniq")
        ]

    def __str__(self) -> str:
        return self.text


class Ballot(BaseModel):
    """That `voter` voted in `poll`: one per member and poll. In an anonymous poll it holds
    nothing else; in a public one the Choice rows point back to it."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    # SET_NULL: an erased account's vote still counts; NULLs never collide in the constraint.
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="poll_ballots",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="polls_ballot_one_per_voter")
        ]

    def __str__(self) -> str:
        return f"Ballot {self.pk} in poll {self.poll_id}"


class Choice(models.Model):
    """One chosen option (single/multiple), one ranked option (`rank`, 1 = first) or one
    rated option (`value`, 1–5). Not a BaseModel on purpose: in an anonymous poll a
    creation time would match the ballot's and name the voter; the key is random for the
    same reason (a sequence would give the order of votes)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="choices")
    # Public polls only; always NULL in an anonymous poll.
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, null=True, blank=True, related_name="choices"
    )
    # The choices of one vote share it (random, per vote): ranked counting needs the sheet.
    sheet = models.UUIDField(db_index=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sheet", "option"], name="polls_choice_once_per_sheet"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=RATING_MIN, value__lte=RATING_MAX),
                name="polls_choice_value_range",
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1), name="polls_choice_rank_positive"
            ),
        ]
        indexes = [models.Index(fields=["poll", "option"], name="polls_choice_tally_idx")]

    def __str__(self) -> str:
        return f"Choice of option {self.option_id}"
