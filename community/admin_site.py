"""The admin site community managers work in.

Its home groups the registered models by what a manager does (ADMIN_SECTIONS, the one place
that says where each model goes) instead of by Django app. A section lists only the models
the person may view, and a section with nothing to show is left out. Apps add links that are
not models (the moderation queue) with `add_home_entry`, so this module imports no app.

Per-app index pages (/admin/<app_label>/, the breadcrumbs' middle link) keep Django's own
grouping: `get_app_list(request, app_label)` is left to the base class."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class AdminSection:
    """A group on the admin home. `models` are "app_label.ModelName" (one model) or
    "app_label" (every model of that app not named elsewhere), in the order shown.
    `labels` renames a model on the home (its own pages keep their names)."""

    key: str
    title: str
    models: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)


ADMIN_SECTIONS: tuple[AdminSection, ...] = (
    AdminSection(
        key="community",
        title="Community",
        models=("community.SiteBranding", "community.Notification"),
        labels={
            "community.SiteBranding": "Branding, access and footer links",
            "community.Notification": "Notifications sent to members",
        },
    ),
    AdminSection(
        key="members",
        title="Members and groups",
        models=(
            "members.User",
            "members.MemberApplication",
            "members.GroupProfile",
            "members.GroupMembershipRequest",
            "members.GroupInvitation",
            "auth.Group",
            "members",
        ),
        labels={
            "members.User": "Members",
            "members.MemberApplication": "Sign-ups waiting for approval",
            "members.GroupProfile": "Groups",
            "auth.Group": "Roles and permission groups",
        },
    ),
    AdminSection(
        key="forums",
        title="Forums and moderation",
        models=(
            "forums.Category",
            "forums.Topic",
            "forums.Post",
            "forums.Tag",
            "forums.ModerationEvent",
            "forums.SearchQuery",
            "forums",
        ),
        labels={
            "forums.ModerationEvent": "Moderation log",
            "forums.SearchQuery": "Search queries (content gaps)",
        },
    ),
    AdminSection(
        key="library",
        title="Content library",
        models=("library.Resource", "library.Collection", "library.Suggestion", "library"),
        labels={
            "library.Resource": "Resources (files, links, articles)",
            "library.Suggestion": "Members' suggestions",
        },
    ),
    AdminSection(
        key="polls",
        title="Polls",
        models=("polls.Poll", "polls"),
        labels={"polls.Poll": "Polls: results, breakdowns, participation"},
    ),
    AdminSection(
        key="metrics",
        title="Metrics and plans",
        models=(
            "plans.PlanReport",
            "metrics.KpiTarget",
            "plans.PlanSettings",
            "metrics.MetricsSettings",
            "metrics.ApiToken",
            "metrics",
            "plans",
        ),
        labels={
            "plans.PlanReport": "90-day plan reports",
            "plans.PlanSettings": "90-day plan schedule",
            "metrics.KpiTarget": "KPI targets",
            "metrics.MetricsSettings": "Support deflection settings",
            "metrics.ApiToken": "API tokens for the KPI API",
        },
    ),
    AdminSection(
        key="system",
        title="System",
        models=(
            "django_celery_beat.PeriodicTask",
            "django_celery_beat.CrontabSchedule",
            "django_celery_beat.IntervalSchedule",
            "django_celery_beat.ClockedSchedule",
            "django_celery_beat.SolarSchedule",
            "django_celery_beat",
            "account.EmailAddress",
            "account",
            "mfa.Authenticator",
            "mfa",
            "socialaccount",
            "sites",
            "guardian",
            "community",
            "auth",
        ),
        labels={
            "django_celery_beat.PeriodicTask": "Scheduled jobs",
            "django_celery_beat.CrontabSchedule": "Schedules: crontabs",
            "django_celery_beat.IntervalSchedule": "Schedules: intervals",
            "django_celery_beat.ClockedSchedule": "Schedules: one-off (clocked)",
            "django_celery_beat.SolarSchedule": "Schedules: solar events",
            "account.EmailAddress": "E-mail addresses",
            "mfa.Authenticator": "Two-factor authenticators",
        },
    ),
)

# Where a registered model that no section names goes: shown, never lost, and a test fails
# until it is given its place above.
OTHER_SECTION = AdminSection(key="other", title="Other", models=())

# (request, with_counts) -> a home row (the keys of Django's model rows) or None to show
# nothing. `with_counts` is False for the navigation sidebar on every admin page, so a
# count query runs only on the home.
HomeEntry = Callable[[HttpRequest, bool], dict | None]


def section_for(label: str) -> AdminSection:
    """The section a model ("app_label.ModelName") belongs to."""
    app_label = label.split(".")[0]
    for section in ADMIN_SECTIONS:
        if label in section.models:
            return section
    for section in ADMIN_SECTIONS:
        if app_label in section.models:
            return section
    return OTHER_SECTION


def _position(section: AdminSection, label: str) -> int:
    if label in section.models:
        return section.models.index(label)
    return section.models.index(label.split(".")[0]) if section.models else 0


class HearthAdminSite(admin.AdminSite):
    site_title = "Hearth admin"
    site_header = "Hearth admin"
    index_title = "Run the community"
    # The home lists every section; on list pages the full width goes to the columns, which
    # the sidebar cut off at 1280 px.
    enable_nav_sidebar = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._home_entries: list[tuple[str, HomeEntry]] = []
        self._home_rewrites: dict[str, Callable[[dict], None]] = {}

    def add_home_entry(self, section_key: str, entry: HomeEntry) -> None:
        """Show a link that is not a model (first in its section) when `entry` returns a
        row for the request."""
        self._home_entries.append((section_key, entry))

    def rewrite_home_row(self, label: str, rewrite: Callable[[dict], None]) -> None:
        """Let the app that owns a model change its home row in place (where it links)."""
        self._home_rewrites[label] = rewrite

    def each_context(self, request):
        from community.selectors import branding_get

        context = super().each_context(request)
        name = branding_get().community_name
        context["site_title"] = context["site_header"] = f"{name} admin"
        return context

    def index(self, request, extra_context=None):
        sections = self._sections(request, with_counts=True)
        extra_context = {"app_list": sections, **(extra_context or {})}
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        if app_label is not None:
            return super().get_app_list(request, app_label)
        return self._sections(request, with_counts=False)

    def _sections(self, request, *, with_counts: bool) -> list[dict]:
        rows: dict[str, list[tuple[int, dict]]] = {}
        for app in super().get_app_list(request):
            for row in app["models"]:
                label = row["model"]._meta.label
                section = section_for(label)
                row = {**row, "label": label}
                if label in section.labels:
                    row["name"] = section.labels[label]
                if label in self._home_rewrites:
                    self._home_rewrites[label](row)
                rows.setdefault(section.key, []).append((_position(section, label), row))
        for position, (section_key, entry) in enumerate(self._home_entries):
            row = entry(request, with_counts)
            if row is not None:
                rows.setdefault(section_key, []).append((-len(self._home_entries) + position, row))

        index_url = reverse("admin:index", current_app=self.name)
        sections = []
        for section in (*ADMIN_SECTIONS, OTHER_SECTION):
            if not rows.get(section.key):
                continue
            sections.append(
                {
                    "name": section.title,
                    "app_label": f"section-{section.key}",
                    "app_url": f"{index_url}#section-{section.key}",
                    "has_module_perms": True,
                    "models": [row for _, row in sorted(rows[section.key], key=lambda r: r[0])],
                }
            )
        return sections
