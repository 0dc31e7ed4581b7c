from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html_join

from members.models import ApprovalStatus, MemberApplication
from members.selectors.groups import invitations_open_for_user, invited_group_names_for_users
from members.services.approvals import member_application_approve, member_application_decline


class ApprovalFilter(admin.SimpleListFilter):
    title = "decision"
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return ApprovalStatus.choices

    def queryset(self, request, queryset):
        # Waiting sign-ups first: that is the queue a manager opens this page for.
        return queryset.filter(user__approval_status=self.value() or ApprovalStatus.PENDING)

    def choices(self, changelist):
        value = self.value() or ApprovalStatus.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ApplicationChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # The page's open invitations in one query, not one per row. Iterating fills the
        # page's result cache, so the rows the template shows are these same objects.
        invited = invited_group_names_for_users(
            user_ids=[application.user_id for application in self.result_list]
        )
        for application in self.result_list:
            application.invited_group_names = invited.get(application.user_id, [])


@admin.register(MemberApplication)
class MemberApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "email",
        "company",
        "headline",
        "invited_to",
        "created_at",
        "status",
        "decided_by",
    ]
    list_filter = [ApprovalFilter]
    list_select_related = ["user", "decided_by"]
    search_fields = ["user__username", "user__email", "company"]
    readonly_fields = [
        "user",
        "answers",
        "company",
        "headline",
        "reason",
        "invited_to",
        "decided_by",
        "decided_at",
    ]
    fields = ["user", "answers", "invited_to", "decision_note", "decided_by", "decided_at"]
    actions = ["approve", "decline"]
    ordering = ["created_at"]

    def get_changelist(self, request, **kwargs):
        return ApplicationChangeList

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="e-mail")
    def email(self, application):
        return application.user.email

    @admin.display(description="status")
    def status(self, application):
        return application.user.get_approval_status_display()

    @admin.display(description="invited to")
    def invited_to(self, application):
        """Groups with an open invitation to one of this person's verified addresses:
        approving the account accepts them, so the manager sees where the person lands."""
        names = getattr(application, "invited_group_names", None)
        if names is None:  # the change form: one application, one query
            names = list(
                invitations_open_for_user(user=application.user)
                .order_by("group_profile__group__name")
                .values_list("group_profile__group__name", flat=True)
                .distinct()
            )
        return ", ".join(names) or "—"

    @admin.display(description="What they told us")
    def answers(self, application):
        rows = [
            ("Company", application.company),
            ("Job title", application.headline),
            ("Why they want to join", application.reason),
        ]
        return format_html_join("", "<p><strong>{}:</strong> {}</p>", rows)

    @admin.action(description="Approve the selected sign-ups", permissions=["change"])
    def approve(self, request, queryset):
        approved = sum(
            member_application_approve(user=application.user, actor=request.user)
            for application in list(queryset.select_related("user"))
        )
        self.message_user(request, f"Approved {approved} sign-up(s); they were e-mailed.")

    @admin.action(description="Decline the selected sign-ups", permissions=["change"])
    def decline(self, request, queryset):
        applications = list(queryset.select_related("user"))
        for application in applications:
            member_application_decline(
                user=application.user, actor=request.user, note=application.decision_note
            )
        self.message_user(
            request,
            f"Declined {len(applications)} sign-up(s); they were e-mailed.",
            messages.WARNING,
        )
