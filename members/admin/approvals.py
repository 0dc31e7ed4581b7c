from django.contrib import admin, messages
from django.utils.html import format_html_join

from members.models import ApprovalStatus, MemberApplication
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


@admin.register(MemberApplication)
class MemberApplicationAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "company", "headline", "created_at", "status", "decided_by"]
    list_filter = [ApprovalFilter]
    list_select_related = ["user", "decided_by"]
    search_fields = ["user__username", "user__email", "company"]
    readonly_fields = [
        "user",
        "answers",
        "company",
        "headline",
        "reason",
        "decided_by",
        "decided_at",
    ]
    fields = ["user", "answers", "decision_note", "decided_by", "decided_at"]
    actions = ["approve", "decline"]
    ordering = ["created_at"]

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
