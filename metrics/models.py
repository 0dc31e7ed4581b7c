"""What the metrics keep: one frozen snapshot per KPI, day and window; the targets community
managers set against business goals; the settings of the support-deflection estimate.

The KPIs themselves are code (metrics.catalogue): a snapshot row names its KPI by key, so a
KPI can be added without a migration, and an unknown key in the admin is refused by the
form, not the database."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from community.db import BaseModel

# The windows a KPI is computed over, in days, ending with the snapshot's day (inclusive).
WINDOWS = (7, 30, 90)
SETTINGS_ID = 1


class KpiSnapshot(models.Model):
    """The value of KPI `key` for the `window` days ending with `day` (inclusive), in the
    community's time zone. `value` is None when the KPI is undefined for that window (a
    division by zero: "no questions were asked", not 0 %). Frozen once written: the nightly
    job never rewrites a row; only an explicit backfill recomputes."""

    key = models.CharField(max_length=64)
    day = models.DateField()
    window = models.PositiveSmallIntegerField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    # Breakdowns a chart or table needs beside the value (a distribution, rows per category).
    detail = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "day", "window"], name="metrics_snapshot_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["day", "window"], name="metrics_snapshot_day_idx")]
        ordering = ["key", "day", "window"]
        # Reading the numbers is a capability of its own (Executives, Community managers),
        # not "view this model in the admin".
        permissions = [("view_dashboard", "Can read the KPI dashboard, its exports and API")]

    def __str__(self) -> str:
        return f"{self.key} {self.day} ({self.window} days): {self.value}"


class KpiTarget(BaseModel):
    """What a KPI should reach, for which business goal, and who answers for it."""

    key = models.CharField("KPI", max_length=64)
    business_goal = models.CharField(
        max_length=200, help_text='The business need it serves, e.g. "reduce support cost".'
    )
    value = models.FloatField("target value")
    window = models.PositiveSmallIntegerField(
        "period",
        choices=[(days, f"{days} days") for days in WINDOWS],
        default=30,
        help_text="The window the KPI is measured over when compared with the target.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kpi_targets",
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="metrics_target_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.value:g}"


class MetricsSettings(BaseModel):
    """One row: the assumptions of the support-deflection estimate, editable in the admin."""

    deflection_rate = models.FloatField(
        default=0.1,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of solved-topic views that spare a support case (0 to 1), used "
        "until readers' own answers to “Did this answer your question?” are enough.",
    )
    cost_per_case = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=25,
        validators=[MinValueValidator(0)],
        help_text="What one support case costs the business.",
    )
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        verbose_name = "metrics settings"
        verbose_name_plural = "metrics settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=SETTINGS_ID), name="metrics_settings_single_row"
            )
        ]

    def __str__(self) -> str:
        return "Metrics settings"

    @classmethod
    def current(cls) -> MetricsSettings:
        """The row (a migration creates it), or the defaults when it is missing."""
        return cls.objects.filter(pk=SETTINGS_ID).first() or cls(pk=SETTINGS_ID)


class AnswerFeedback(BaseModel):
    """One person's latest answer to "Did this answer your question?" on a solved topic or a
    library resource. `voter` is the dedupe key: "m:<member id>", or for a visitor "v:" and
    a keyed hash of their session key (the session itself is never stored), so each person
    has one answer per item and answering again replaces it. `day` is the community's day
    of that latest answer: what community_success_rate counts."""

    topic = models.ForeignKey(
        "forums.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        "library.Resource", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a visitor.",
    )
    voter = models.CharField(max_length=80, editable=False)
    answered = models.BooleanField("it answered the question")
    day = models.DateField()

    class Meta:
        verbose_name = "answer to “Did this answer your question?”"
        verbose_name_plural = "answers to “Did this answer your question?”"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(topic__isnull=False, resource__isnull=True)
                | models.Q(topic__isnull=True, resource__isnull=False),
                name="metrics_feedback_one_item",
            ),
            # Plain (not partial) so an upsert can name them; NULLs never clash, so a
            # resource's rows never meet a topic's.
            models.UniqueConstraint(fields=["topic", "voter"], name="metrics_feedback_topic_once"),
            models.UniqueConstraint(
                fields=["resource", "voter"], name="metrics_feedback_resource_once"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="metrics_feedback_day_idx")]

    def __str__(self) -> str:
        item = f"topic {self.topic_id}" if self.topic_id else f"resource {self.resource_id}"
        return f"{'Yes' if self.answered else 'No'} on {item} ({self.day})"


class ApiToken(BaseModel):
    """A key for the dashboard's JSON API (`Authorization: Bearer <key>`). Only a SHA-256
    hash of the key is stored: the key is shown once, when the token is created, and a
    leaked database cannot be replayed. The token acts as its owner, so it reads the API
    only while the owner may read the dashboard."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text='What it is for, e.g. "BI nightly pull".')
    # The first characters of the key, to tell tokens apart in lists; not enough to use it.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
