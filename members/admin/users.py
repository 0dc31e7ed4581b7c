from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.access import access_changed
from members.admin.data import erase_members, export_member_data
from members.models import User
from members.services.trust import trust_level_change_record


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "trust_level",
        "approval_status",
        "last_seen_at",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["trust_level", "approval_status", "is_staff", "is_active", "groups"]
    search_fields = ["username", "email", "display_name"]
    actions = [export_member_data, erase_members]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            "Community",
            {
                "fields": [
                    "display_name",
                    "trust_level",
                    "approval_status",
                    "last_seen_at",
                    "welcome_email_sent_at",
                    "erased_at",
                ]
            },
        ),
    ]
    # Approval goes through the Member applications queue (the service adds the role and
    # sends the e-mail); editing the field here would skip both.
    readonly_fields = [
        "approval_status",
        "welcome_email_sent_at",
        "last_login",
        "date_joined",
        "last_seen_at",
        "erased_at",
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "trust_level" in form.changed_data:
            trust_level_change_record(
                user=obj, from_level=form.initial["trust_level"], actor=request.user
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Roles, permissions, the active and superuser flags: whatever changed here decides
        # what this person may see from their next request on.
        access_changed(user_ids=[form.instance.pk])
