"""Groups in the admin.

Membership is the auth Group's user set, and the User–Group table has no foreign key to
GroupProfile, so a regular inline cannot show it. Instead each group has a "Members" page
(linked from the change form and the list): the members, paginated, with "remove", "make
manager" and "stop managing" for the selected ones, and a box to add people by username or
e-mail. Every change goes through the group services, like the request actions below.
guardian's "Object permissions" page (GuardedModelAdmin) stays available for grants that
have no service yet."""

from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from guardian.admin import GuardedModelAdmin

from community.images import image_normalize
from members.forms.errors import error_text
from members.forms.groups import (
    GroupMembersActionForm,
    GroupMembersAddForm,
    GroupProfileAdminForm,
)
from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    RequestStatus,
    User,
)
from members.permissions import MANAGE_GROUP, can_appoint_group_managers, can_manage_group
from members.selectors.groups import group_manager_ids, group_members
from members.services.groups import (
    COVER_MAX_BYTES,
    COVER_MAX_SIZE,
    group_create,
    group_delete,
    group_manager_add,
    group_manager_remove,
    group_member_add,
    group_member_remove,
    group_request_decide,
    group_update,
    invitation_revoke,
)

ADMIN_MEMBERS_PER_PAGE = 50


def _group_pk_or_404(object_id: str) -> int:
    """The group id from the admin URL, or Http404. The route takes any path segment (like
    the admin's own), and the ORM answers "abc" with ValueError and a 21-digit number with
    OverflowError: both are a group that does not exist, not a 500."""
    value = unquote(object_id)
    low, high = connection.ops.integer_field_range(
        GroupProfile._meta.pk.target_field.get_internal_type()
    )
    if not (value.isascii() and value.isdigit() and len(value) <= 20):
        raise Http404("No such group.")
    pk = int(value)
    if not low <= pk <= high:
        raise Http404("No such group.")
    return pk


class GroupProfileForm(GroupProfileAdminForm):
    def clean_cover_image(self):
        # Validate here so a bad upload is a form error, not a failed save.
        upload = self.cleaned_data.get("cover_image")
        if isinstance(upload, UploadedFile):
            image_normalize(
                upload, max_bytes=COVER_MAX_BYTES, max_size=COVER_MAX_SIZE, name_prefix="check"
            )
            upload.seek(0)
        return upload


@admin.register(GroupProfile)
class GroupProfileAdmin(GuardedModelAdmin):
    form = GroupProfileForm
    list_display = ["name", "slug", "visibility", "join_policy", "member_count", "members_link"]
    list_filter = ["visibility", "join_policy"]
    search_fields = ["group__name", "slug"]
    readonly_fields = ["member_count", "members_link"]
    fields = [
        "name",
        "slug",
        "description",
        "cover_image",
        "visibility",
        "join_policy",
        "member_count",
        "members_link",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group")

    @admin.display(description="Name", ordering="group__name")
    def name(self, obj: GroupProfile) -> str:
        return obj.name

    @admin.display(description="Members")
    def members_link(self, obj: GroupProfile) -> str:
        if not obj.pk:
            return "Save the group first."
        url = reverse("admin:members_groupprofile_members", args=[obj.pk])
        return format_html('<a href="{}">See and edit the {} members</a>', url, obj.member_count)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        upload = data.get("cover_image")
        fields = {
            "name": data["name"],
            "slug": data["slug"],
            "description": data.get("description", ""),
            "visibility": data["visibility"],
            "join_policy": data["join_policy"],
            "cover_image": upload if isinstance(upload, UploadedFile) else None,
        }
        if change:
            # The form already copied its values onto `obj`; reload so the service compares
            # against what is stored, then let it write.
            stored = GroupProfile.objects.select_related("group").get(pk=obj.pk)
            group_update(
                actor=request.user,
                group_profile=stored,
                cover_image_clear=upload is False,
                **fields,
            )
            obj.group = stored.group
            obj.cover_image = stored.cover_image
            return
        created = group_create(actor=request.user, **fields)
        # The admin goes on with `obj` (messages, log entry, redirect): make it the new row.
        obj.group = created.group
        obj.cover_image = created.cover_image
        obj.description_html = created.description_html
        obj._state.adding = False
        obj._state.db = created._state.db

    def delete_model(self, request, obj):
        group_delete(actor=request.user, group_profile=obj)

    def delete_queryset(self, request, queryset):
        for group_profile in queryset.select_related("group"):
            group_delete(actor=request.user, group_profile=group_profile)

    def save_related(self, request, form, formsets, change):
        # GroupProfile has no many-to-many fields of its own and no inlines.
        pass

    def get_urls(self):
        return [
            path(
                "<path:object_id>/members/",
                self.admin_site.admin_view(self.members_view),
                name="members_groupprofile_members",
            ),
            *super().get_urls(),
        ]

    def members_view(self, request, object_id):
        group_profile = get_object_or_404(
            GroupProfile.objects.select_related("group"), pk=_group_pk_or_404(object_id)
        )
        if not (
            self.has_view_permission(request, group_profile)
            and can_manage_group(request.user, group_profile)
        ):
            raise Http404
        add_form = GroupMembersAddForm()
        action_form = None
        status = 200
        if request.method == "POST":
            if request.POST.get("action") == "add":
                add_form = GroupMembersAddForm(request.POST)
                if add_form.is_valid():
                    self._members_add(request, group_profile, add_form.cleaned_data["people"])
                    return redirect(request.path)
                status = 400
            else:
                action_form = GroupMembersActionForm(request.POST)
                if action_form.is_valid():
                    self._members_act(
                        request,
                        group_profile,
                        action_form.cleaned_data["action"],
                        action_form.cleaned_data["user"],
                    )
                    return redirect(request.get_full_path())
                status = 400
        page = Paginator(group_members(group_profile=group_profile), ADMIN_MEMBERS_PER_PAGE)
        page = page.get_page(request.GET.get("page"))
        manager_ids = group_manager_ids(group_profile=group_profile)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Members of {group_profile.name}",
            "opts": self.model._meta,
            "original": group_profile,
            "group": group_profile,
            "page": page,
            "rows": [(member, member.pk in manager_ids) for member in page.object_list],
            "add_form": add_form,
            "action_errors": (
                [error for errors in action_form.errors.values() for error in errors]
                if action_form is not None
                else []
            ),
            "can_appoint": can_appoint_group_managers(request.user),
        }
        return TemplateResponse(request, "members/group_admin_members.html", context, status=status)

    def _members_add(self, request, group_profile: GroupProfile, entries: list[str]) -> None:
        wanted = {entry.lower() for entry in entries}
        emails = EmailAddress.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=wanted
        )
        users = User.objects.annotate(username_lower=Lower("username")).filter(
            Q(username_lower__in=wanted) | Q(pk__in=emails.values("user_id"))
        )
        found = {user.pk: user for user in users}
        matched = {user.username.lower() for user in found.values()}
        matched |= set(emails.values_list("email_lower", flat=True))
        added = 0
        for user in found.values():
            try:
                added += group_member_add(
                    actor=request.user, group_profile=group_profile, user=user
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{user.public_name}: {error_text(exc)}")
        messages.success(request, f"Added {added} member(s).")
        if missing := sorted(wanted - matched):
            messages.warning(request, f"No account found for: {', '.join(missing)}.")

    def _members_act(self, request, group_profile, action: str, user_ids: list[int]) -> None:
        done = 0
        for user in User.objects.filter(pk__in=user_ids):
            try:
                if action == "remove":
                    group_member_remove(actor=request.user, group_profile=group_profile, user=user)
                elif action == "make_manager":
                    group_manager_add(actor=request.user, group_profile=group_profile, user=user)
                else:
                    group_manager_remove(actor=request.user, group_profile=group_profile, user=user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{user.public_name}: {error_text(exc)}")
        if done:
            messages.success(request, f"Done for {done} member(s).")


@admin.register(GroupMembershipRequest)
class GroupMembershipRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "group_profile", "status", "created_at", "decided_by", "decided_at"]
    list_filter = ["status", "group_profile"]
    search_fields = ["user__username", "user__email", "user__display_name"]
    list_select_related = ["user", "group_profile__group", "decided_by"]
    readonly_fields = [
        "user",
        "group_profile",
        "message",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["approve_selected", "deny_selected"]

    def has_add_permission(self, request):
        return False  # members ask from the group page

    def has_delete_permission(self, request, obj=None):
        return False  # the history of decisions stays

    def _decide(self, request, queryset, *, approve: bool) -> None:
        done = 0
        for membership_request in queryset.filter(status=RequestStatus.PENDING):
            try:
                group_request_decide(
                    actor=request.user,
                    membership_request=membership_request,
                    approve=approve,
                )
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{membership_request.user}: {error_text(exc)}")
        verb = "Approved" if approve else "Denied"
        self.message_user(request, f"{verb} {done} request(s).", messages.SUCCESS)

    @admin.action(description="Approve selected requests", permissions=["change"])
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="Deny selected requests", permissions=["change"])
    def deny_selected(self, request, queryset):
        self._decide(request, queryset, approve=False)


@admin.register(GroupInvitation)
class GroupInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent from the group page, and each row is history that
    metrics count (accepted, created_account)."""

    list_display = [
        "email",
        "group_profile",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_by",
        "accepted_at",
        "created_account",
        "revoked_at",
    ]
    list_filter = ["group_profile", "created_account"]
    search_fields = ["email"]
    list_select_related = ["group_profile__group", "invited_by", "accepted_by"]
    actions = ["withdraw_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request) -> bool:
        return request.user.has_perm(MANAGE_GROUP)

    @admin.action(description="Withdraw selected invitations", permissions=["manage"])
    def withdraw_selected(self, request, queryset):
        done = 0
        for invitation in queryset.select_related("group_profile"):
            try:
                done += invitation_revoke(actor=request.user, invitation=invitation)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
        self.message_user(request, f"Withdrew {done} invitation(s).", messages.SUCCESS)
