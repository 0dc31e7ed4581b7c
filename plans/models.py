"""90-day plan reports: what the last 90 days did against their targets, and what the next
90 should do. docs/plans.md says what a report holds and how it is produced."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models

from community.db import BaseModel
from metrics.catalogue import CATALOGUE

PERIOD_DAYS = 90


class ReportStatus(models.TextChoices):
    # Being computed; a worker that died leaves it here and the retry takes it over.
    GENERATING = "generating", "Being generated"
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PlanReport(BaseModel):
    """One report per 90-day period, found by the period's first day. Its numbers, HTML and
    PDF are stored when it is generated and never recomputed once published."""

    period_start = models.DateField(unique=True)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.GENERATING
    )
    # The manager's words for the one-page summary (Markdown, sanitised when shown).
    narrative = models.TextField(blank=True, max_length=10_000)
    data = models.JSONField(default=dict, editable=False)
    html = models.TextField(blank=True, editable=False)
    # A few hundred kilobytes: kept in the row, so a report is complete with its PDF or not
    # complete at all (one transaction), and is backed up with the database.
    pdf = models.BinaryField(blank=True, default=b"", editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the schedule made it.",
    )
    generated_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Claimed before the announcement is sent, so a retried task never sends it twice.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-period_start"]
        verbose_name = "90-day plan report"

    def __str__(self) -> str:
        return f"90-day plan {self.period_start:%d %b %Y} – {self.period_end:%d %b %Y}"

    @property
    def period_end(self) -> date:
        """The period's last day (included)."""
        return self.period_start + timedelta(days=PERIOD_DAYS - 1)

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED

    @property
    def is_complete(self) -> bool:
        return self.status != ReportStatus.GENERATING


class ProposedTarget(BaseModel):
    """A target for the next 90 days, proposed from the trend; the manager may change the
    value before publishing. Publishing turns each into a KPI target for the next period."""

    report = models.ForeignKey(PlanReport, on_delete=models.CASCADE, related_name="targets")
    key = models.CharField("KPI", max_length=64)
    current = models.FloatField(null=True, blank=True, editable=False)
    proposed = models.FloatField(null=True, blank=True, editable=False)
    value = models.FloatField(
        "target", null=True, blank=True, help_text="Shares as a fraction: 0.45 for 45 %."
    )
    # One of the three to five objectives on the one-page summary.
    is_objective = models.BooleanField("objective", default=False)
    business_goal = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-is_objective", "key"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="plans_target_once_per_kpi")
        ]

    def __str__(self) -> str:
        kpi = CATALOGUE.get(self.key)
        return kpi.name if kpi else self.key


class PlanAction(BaseModel):
    """A line of the next 90 days' checklist."""

    report = models.ForeignKey(PlanReport, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class PlanSettings(BaseModel):
    """One row: when the 90-day periods start. The schedule makes a report the day after each
    period ends."""

    first_period_start = models.DateField(
        null=True,
        blank=True,
        help_text="The first day of the first 90-day period; the periods follow on from it. "
        "Empty: 90-day periods ending yesterday are not made automatically.",
    )

    class Meta:
        verbose_name = "90-day plan settings"
        verbose_name_plural = "90-day plan settings"

    def __str__(self) -> str:
        return "90-day plan settings"

    @classmethod
    def current(cls) -> PlanSettings:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class OutreachList(models.TextChoices):
    """The report's outreach lists (plans.sections.outreach), by their key in its data."""

    LAPSING = "lapsing", "Lapsing contributors"
    NEVER_POSTED = "never_posted", "New members who never posted"
    UNTHANKED = "unthanked", "Supporters nobody thanked"
    CADRE = "cadre", "Candidates for the volunteer moderator cadre"


OUTREACH_BODY_MAX = 5_000


class OutreachCampaign(BaseModel):
    """One e-mail the community team wrote to the whole of one outreach list of a report.
    The worker sends it (plans.outreach.campaign_send); `sent_at` is set when it finished."""

    # Kept while e-mails sent from it exist: the next report counts who came back.
    report = models.ForeignKey(PlanReport, on_delete=models.PROTECT, related_name="campaigns")
    list_key = models.CharField("list", max_length=16, choices=OutreachList.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=OUTREACH_BODY_MAX)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    listed = models.PositiveIntegerField(default=0, help_text="Members on the list.")
    sent_count = models.PositiveIntegerField("sent", default=0)
    # Unsubscribed from these, no longer members, or without an e-mail address.
    skipped_count = models.PositiveIntegerField("skipped", default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A double submit must not e-mail the list twice: the second is refused while
            # the first is still being sent.
            models.UniqueConstraint(
                fields=["report", "list_key"],
                condition=models.Q(sent_at__isnull=True),
                name="plans_one_unsent_campaign_per_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_list_key_display()}: {self.subject}"


class OutreachMessage(BaseModel):
    """A campaign's e-mail to one member: claimed before it is sent, so a retried or doubled
    task never sends it twice. `sent_at` stays empty when the worker died while sending."""

    campaign = models.ForeignKey(
        OutreachCampaign, on_delete=models.CASCADE, related_name="messages"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"], name="plans_outreach_once_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.member_id}"
