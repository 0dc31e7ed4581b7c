"""Data ownership in the admin: a community manager downloads a member's data or erases
their account. The actions are wired into UserAdmin (members/admin/users.py) with
`actions = [export_member_data, erase_members]`; they only call services."""

import io
import zipfile

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from members.services.data import member_data_export, member_erase_many

# Exports are built in memory; a manager selecting a whole changelist page gets refused.
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
    try:
        archives = {
            member.username: member_data_export(member=member, actor=request.user)
            for member in members
        }
    except PermissionDenied as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return None
    stamp = timezone.localdate().isoformat()
    if len(archives) == 1:
        ((username, data),) = archives.items()
        filename = f"{username}-data-{stamp}.zip"
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as outer:
            for username, archive in archives.items():
                outer.writestr(f"{username}.zip", archive)
        data, filename = buffer.getvalue(), f"member-data-{stamp}.zip"
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
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
