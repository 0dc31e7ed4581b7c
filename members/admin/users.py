from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from members.admin.data import erase_members, export_member_data
from members.models import User


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
