"""Polls in the admin, for community managers: the list with each poll's voters and
participation (polls.selectors.with_participation, in the list's one query), closing and
reopening through polls.services (which check the acting manager), a CSV of the results and,
for public polls, breakdowns by group or profile field.

Ballots and choices are not registered at all: in an anonymous poll nothing ties a choice to
a voter, and the admin must not offer a page that looks as if it could. A public poll's
voters appear only as counts in its breakdowns (their names are on the poll's own page)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from polls.exports import results_csv
from polls.models import Poll
from polls.selectors import DIMENSIONS, participation_rate, poll_breakdown, with_participation
from polls.services import poll_close, poll_delete, poll_reopen

ANONYMOUS_NO_BREAKDOWN = (
    "This poll is anonymous: its choices are stored with no link to the people who made "
    "them, so its results cannot be split by group or profile. Only the totals exist."
)


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("ended", "Closed")]

    def queryset(self, request, queryset):
        now = timezone.now()
        ended = Q(is_closed=True) | Q(closes_at__lte=now)
        if self.value() == "open":
            return queryset.exclude(ended)
        if self.value() == "ended":
            return queryset.filter(ended)
        return queryset


class BreakdownForm(forms.Form):
    dimension = forms.ChoiceField(
        label="Split the results by", choices=[(d.key, d.label) for d in DIMENSIONS]
    )


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "topic_link", "kind", "state", "voters", "participation"]
    list_filter = [OpenFilter, "kind", "is_anonymous", "results_visibility", "topic__category"]
    search_fields = ["question", "topic__title"]
    list_select_related = ["topic__category"]
    date_hierarchy = "created_at"
    actions = ["close_polls", "reopen_polls"]
    fields = [
        "question",
        "topic_link",
        "kind",
        "state",
        "results_visibility",
        "is_anonymous",
        "voter_groups",
        "closes_at",
        "closed_at",
        "created_by",
        "created_at",
        "voters",
        "participation",
        "results",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return with_participation(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # polls are made on their topic, through poll_create

    def has_change_permission(self, request, obj=None):
        return False  # read-only pages; state changes go through the actions below

    def has_manage_permission(self, request):
        return request.user.has_perm("polls.change_poll")

    @admin.display(description="Topic", ordering="topic__title")
    def topic_link(self, poll):
        return format_html(
            '<a href="{}">{}</a> ({})',
            poll.topic.get_absolute_url(),
            poll.topic.title,
            poll.topic.category.name,
        )

    @admin.display(description="State")
    def state(self, poll):
        return "Closed" if poll.has_ended else "Open"

    @admin.display(description="Voters", ordering="ballot_count")
    def voters(self, poll):
        return poll.ballot_count

    @admin.display(description="Participation")
    def participation(self, poll):
        rate = participation_rate(poll)
        if rate is None:
            return "nobody could vote"
        return f"{rate * 100:.1f} % ({poll.participants} of {poll.eligible})"

    @admin.display(description="Results")
    def results(self, poll):
        csv_url = reverse("admin:polls_poll_results_csv", args=[poll.pk])
        if poll.is_anonymous:
            return format_html(
                '<a href="{}">Download the results (CSV)</a><br>{}',
                csv_url,
                ANONYMOUS_NO_BREAKDOWN,
            )
        return format_html(
            '<a href="{}">Download the results (CSV)</a> · <a href="{}">Breakdowns</a>',
            csv_url,
            reverse("admin:polls_poll_breakdown", args=[poll.pk]),
        )

    # --- Actions ------------------------------------------------------------------------

    def _each(self, request, queryset, action, done: str) -> None:
        changed = 0
        for poll in queryset.select_related("topic__category"):
            try:
                action(poll)
            except (PermissionDenied, ValidationError) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{poll}: {text}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} {done}.", messages.SUCCESS)

    @admin.action(description="Close selected polls now", permissions=["manage"])
    def close_polls(self, request, queryset):
        self._each(
            request, queryset, lambda p: poll_close(poll=p, actor=request.user), "polls closed"
        )

    @admin.action(description="Reopen selected polls", permissions=["manage"])
    def reopen_polls(self, request, queryset):
        self._each(
            request, queryset, lambda p: poll_reopen(poll=p, actor=request.user), "polls reopened"
        )

    def delete_model(self, request, obj):
        poll_delete(poll=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for poll in queryset.select_related("topic__category"):
            poll_delete(poll=poll, actor=request.user)

    # --- Results: CSV and breakdowns ----------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/results.csv",
                self.admin_site.admin_view(self.results_csv_view),
                name="polls_poll_results_csv",
            ),
            path(
                "<int:pk>/breakdown/",
                self.admin_site.admin_view(self.breakdown_view),
                name="polls_poll_breakdown",
            ),
            *super().get_urls(),
        ]

    def _poll_for(self, request, pk: int) -> Poll:
        poll = get_object_or_404(Poll.objects.select_related("topic__category"), pk=pk)
        if not self.has_view_permission(request, poll):
            raise PermissionDenied
        return poll

    def results_csv_view(self, request, pk: int):
        poll = self._poll_for(request, pk)
        response = HttpResponse(results_csv(poll), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}-results.csv"'
        return response

    def breakdown_view(self, request, pk: int):
        if request.method not in ("GET", "HEAD"):
            raise Http404
        poll = self._poll_for(request, pk)
        form = BreakdownForm(request.GET or None)
        breakdown = None
        if not poll.is_anonymous and form.is_valid():
            breakdown = poll_breakdown(
                poll=poll, dimension=form.cleaned_data["dimension"], viewer=request.user
            )
        return TemplateResponse(
            request,
            "admin/polls/poll/breakdown.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Breakdowns: {poll.question}",
                "opts": self.model._meta,
                "poll": poll,
                "form": form,
                "breakdown": breakdown,
                "anonymous_reason": ANONYMOUS_NO_BREAKDOWN if poll.is_anonymous else "",
            },
        )
