"""Group pages: the list, a group, and its actions. Thin views: access_group (404 for what
the viewer may not see), a form, one service, then a redirect, or, for htmx, the fragment
that changed. Every action is a plain form POST that works without JavaScript."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members.forms.errors import error_text
from members.forms.groups import GroupInviteForm, GroupRequestDecideForm, GroupRequestForm
from members.group_sections import group_sections_for
from members.models import GroupInvitation, GroupMembershipRequest, User
from members.permissions import access_group, can_view_group, check_manage_group
from members.selectors.groups import (
    group_detail_context,
    group_member_rows,
    group_members,
    group_open_invitations,
    group_row_for_viewer,
    group_rows_for_list,
)

# A module import: the view names match the URL names, and some match the service names.
from members.services import groups as group_services
from members.services.groups import InvitationError

MEMBERS_PER_PAGE = 30


def _signed_in_for(view):
    """Visitors who press a group button go to sign in, and come back to the group page
    (not to the POST-only action URL, which would answer a GET with 405)."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("groups:detail", args=[slug]))
        return view(request, slug, *args, **kwargs)

    return wrapper


@require_safe
def group_list(request):
    return render(
        request, "members/group_list.html", {"rows": group_rows_for_list(viewer=request.user)}
    )


def _detail_response(request, group_profile, *, invite_form=None, status=200):
    context = group_detail_context(group_profile=group_profile, viewer=request.user)
    if context["can_see_members"]:
        page = Paginator(group_members(group_profile=group_profile), MEMBERS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context["members_page"] = page
        context["member_rows"] = group_member_rows(
            group_profile=group_profile,
            viewer=request.user,
            members=list(page.object_list),
            manager_ids=context["manager_ids"],
            can_manage=context["can_manage"],
        )
    context["group_sections"] = group_sections_for(group_profile=group_profile, viewer=request.user)
    context["request_form"] = GroupRequestForm()
    context["invite_form"] = invite_form or GroupInviteForm()
    return render(request, "members/group_detail.html", context, status=status)


@require_safe
def group_detail(request, slug):
    return _detail_response(request, access_group(request.user, slug))


def _action_response(request, group_profile, *, notice: str = "", error: str = ""):
    """After join/leave/request: the action box for htmx, a redirect with a message
    otherwise. Someone who just left a hidden group cannot see it any more, so they go to
    the group list instead."""
    if not can_view_group(request.user, group_profile):
        if notice:
            messages.success(request, notice)
        target = reverse("groups:list")
        if request.htmx:
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return redirect(target)
    if request.htmx:
        return render(
            request,
            "members/group_actions.html",
            {
                "group": group_profile,
                "row": group_row_for_viewer(group_profile=group_profile, viewer=request.user),
                "request_form": GroupRequestForm(),
                "action_notice": notice,
                "action_error": error,
            },
        )
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect("groups:detail", slug=group_profile.slug)


@require_POST
@_signed_in_for
def group_join(request, slug):
    group_profile = access_group(request.user, slug)
    try:
        joined = group_services.group_join(user=request.user, group_profile=group_profile)
    except (ValidationError, PermissionDenied) as exc:
        return _action_response(request, group_profile, error=error_text(exc))
    notice = (
        f"Welcome to {group_profile.name}!"
        if joined
        else f"You already are a member of {group_profile.name}."
    )
    return _action_response(request, group_profile, notice=notice)


@require_POST
@_signed_in_for
def group_leave(request, slug):
    group_profile = access_group(request.user, slug)
    try:
        group_services.group_leave(user=request.user, group_profile=group_profile)
    except (ValidationError, PermissionDenied) as exc:
        return _action_response(request, group_profile, error=error_text(exc))
    return _action_response(request, group_profile, notice=f"You left {group_profile.name}.")


@require_POST
@_signed_in_for
def group_request(request, slug):
    group_profile = access_group(request.user, slug)
    form = GroupRequestForm(request.POST)
    if not form.is_valid():
        return _action_response(
            request, group_profile, error=" ".join(form.errors.get("message", ["Invalid."]))
        )
    try:
        _, created = group_services.group_request_create(
            user=request.user, group_profile=group_profile, message=form.cleaned_data["message"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return _action_response(request, group_profile, error=error_text(exc))
    notice = (
        "Your request was sent. The group's managers will decide; we will e-mail you."
        if created
        else "You already asked to join; the group's managers will decide soon."
    )
    return _action_response(request, group_profile, notice=notice)


@require_POST
@_signed_in_for
def group_request_decide(request, slug, request_id):
    group_profile = access_group(request.user, slug)
    check_manage_group(request.user, group_profile)
    membership_request = get_object_or_404(
        GroupMembershipRequest.objects.select_related("user"),
        pk=request_id,
        group_profile=group_profile,
    )
    form = GroupRequestDecideForm(request.POST)
    error = notice = ""
    if not form.is_valid():
        error = "Choose Approve or Deny."
    else:
        try:
            group_services.group_request_decide(
                actor=request.user,
                membership_request=membership_request,
                approve=form.approve,
            )
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            name = membership_request.user.public_name
            notice = f"{name} joined the group." if form.approve else f"{name} was declined."
    if request.htmx:
        membership_request.refresh_from_db()
        return render(
            request,
            "members/group_request_row.html",
            {
                "group": group_profile,
                "membership_request": membership_request,
                "row_notice": notice,
                "row_error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("groups:detail", slug=group_profile.slug)


@require_POST
@_signed_in_for
def group_invite(request, slug):
    group_profile = access_group(request.user, slug)
    check_manage_group(request.user, group_profile)
    form = GroupInviteForm(request.POST)
    notice = ""
    if form.is_valid():
        try:
            invitation = group_services.group_invite(
                actor=request.user,
                group_profile=group_profile,
                email=form.cleaned_data["email"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("email", error_text(exc))
        else:
            notice = f"Invitation sent to {invitation.email}."
    if request.htmx:
        return _invite_panel(
            request, group_profile, invite_form=GroupInviteForm() if notice else form, notice=notice
        )
    if not notice:
        return _detail_response(request, group_profile, invite_form=form, status=400)
    messages.success(request, notice)
    return redirect("groups:detail", slug=group_profile.slug)


def _invite_panel(request, group_profile, *, invite_form=None, notice: str = "", error: str = ""):
    """The manager panel's invitation box, for htmx answers (invite and withdraw)."""
    return render(
        request,
        "members/group_invite_panel.html",
        {
            "group": group_profile,
            "invite_form": invite_form or GroupInviteForm(),
            "open_invitations": list(group_open_invitations(group_profile=group_profile)),
            "invite_notice": notice,
            "invite_error": error,
        },
    )


@require_POST
@_signed_in_for
def invitation_withdraw(request, slug, invitation_id):
    """A group manager withdraws an invitation nobody used yet; its link stops working."""
    group_profile = access_group(request.user, slug)
    # Before the lookup, so someone who does not manage the group cannot probe invitation ids.
    check_manage_group(request.user, group_profile)
    invitation = get_object_or_404(
        GroupInvitation.objects.select_related("group_profile__group"),
        pk=invitation_id,
        group_profile=group_profile,
    )
    error = notice = ""
    try:
        withdrawn = group_services.invitation_revoke(actor=request.user, invitation=invitation)
    except (ValidationError, PermissionDenied) as exc:
        error = error_text(exc)
    else:
        if withdrawn:
            notice = (
                f"The invitation to {invitation.email} was withdrawn; its link no longer works."
            )
        else:
            error = f"The invitation to {invitation.email} was already used or withdrawn."
    if request.htmx:
        return _invite_panel(request, group_profile, notice=notice, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("groups:detail", slug=group_profile.slug)


@require_POST
@_signed_in_for
def group_member_remove(request, slug, user_id):
    group_profile = access_group(request.user, slug)
    check_manage_group(request.user, group_profile)
    member = get_object_or_404(User.objects.select_related("profile"), pk=user_id)
    error = notice = ""
    try:
        group_services.group_member_remove(
            actor=request.user, group_profile=group_profile, user=member
        )
    except (ValidationError, PermissionDenied) as exc:
        error = error_text(exc)
    else:
        notice = f"{member.public_name} was removed from the group."
    if request.htmx:
        return render(
            request,
            "members/group_member_row.html",
            {"group": group_profile, "member": member, "row_notice": notice, "row_error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("groups:detail", slug=group_profile.slug)


def _invitation_page(request, token: str, *, invitation=None, error=None, status=200):
    next_query = urlencode({"next": request.path})
    return render(
        request,
        "members/group_invitation.html",
        {
            "invitation": invitation,
            "group": invitation.group_profile if invitation else None,
            "error": error,
            "token": token,
            "signup_url": f"{reverse('account_signup')}?{next_query}",
            "login_url": f"{reverse('account_login')}?{next_query}",
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token):
    """GET shows the invitation (a visitor gets "Sign up to join" / "Sign in to join", both
    coming back here); POST, signed in, accepts it. Every refusal is a page saying why,
    with the status: 400 forged, 410 used/expired/withdrawn, 403 not for this account."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            acceptance = group_services.invitation_accept(user=request.user, token=token)
        except InvitationError as exc:
            return _invitation_page(
                request, token, invitation=exc.invitation, error=exc, status=exc.status
            )
        group_profile = acceptance.invitation.group_profile
        messages.success(
            request,
            f"Welcome to {group_profile.name}!"
            if acceptance.joined
            else f"You already were a member of {group_profile.name}.",
        )
        return redirect("groups:detail", slug=group_profile.slug)

    try:
        invitation = group_services.invitation_get_for_token(token=token)
    except InvitationError as exc:
        return _invitation_page(
            request, token, invitation=exc.invitation, error=exc, status=exc.status
        )
    if not request.user.is_authenticated:
        return _invitation_page(request, token, invitation=invitation)
    try:
        group_services.invitation_check_acceptable(user=request.user, invitation=invitation)
    except InvitationError as exc:
        return _invitation_page(request, token, invitation=invitation, error=exc, status=exc.status)
    return _invitation_page(request, token, invitation=invitation)
