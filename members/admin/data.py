"""Data ownership in the admin: a community manager downloads a member's data or erases
their account. The actions are wired into UserAdmin (members/admin/users.py) with
`actions = [export_member_data, erase_members]`; they only call services."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from community.exceptions import ApplicationError
from members.services.data import (
    member_data_export_bundle,
    member_data_export_file,
    member_erase_many,
)

# Exports are built while the manager waits (on disk, streamed back): a whole changelist page
# at once would hold the request for too long, so it is refused.
MAX_EXPORT_MEMBERS = 20


@admin.action(description="Download the selected members' data (zip)", permissions=["change"])
def export_member_data(modeladmin, request, queryset):
    members = list(queryset.order_by("pk")[: MAX_EXPORT_MEMBERS + 1])
    if len(members) > MAX_EXPORT_MEMBERS:
        modeladmin.message_user(
            request,
            f"Select at most {MAX_EXPORT_MEMBERS} members to download at once.",
            messages.ERROR,
        )
        return None
    stamp = timezone.localdate().isoformat()
    try:
        if len(members) == 1:
            archive = member_data_export_file(member=members[0], actor=request.user)
            filename = f"{members[0].username}-data-{stamp}.zip"
        else:
            archive = member_data_export_bundle(members=members, actor=request.user)
            filename = f"member-data-{stamp}.zip"
    except (PermissionDenied, ApplicationError) as exc:  # ApplicationError: RateLimited
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return None
    response = FileResponse(
        archive, as_attachment=True, filename=filename, content_type="application/zip"
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.action(description="Erase the selected members' accounts", permissions=["change"])
def erase_members(modeladmin, request, queryset):
    """Asks for confirmation on a page of its own first, like the delete action."""
    if request.POST.get("post") == "yes":
        erased, refused = member_erase_many(members=queryset, actor=request.user)
        if erased:
            modeladmin.message_user(
                request,
                f"Erased {erased} account{'s' if erased != 1 else ''}.",
                messages.SUCCESS,
            )
        for reason in refused:
            modeladmin.message_user(request, f"Not erased: {reason}", messages.ERROR)
        return None
    opts = modeladmin.model._meta
    return TemplateResponse(
        request,
        "members/data_admin_erase_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Erase members",
            "opts": opts,
            "members": list(queryset.order_by("username")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )
