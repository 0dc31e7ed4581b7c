from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.exceptions import ApplicationError
from community.ratelimit import RateLimited
from members.forms.profiles import ProfileForm
from members.models import Profile
from members.page_cache import profile_shareable, shared_profile_page
from members.permissions import can_browse_members, is_community_member
from members.profile_activity import activity_sections_for
from members.selectors.directory import DIRECTORY_PAGE_SIZE, DirectoryPaginator, member_cards
from members.selectors.groups import groups_for_profile
from members.selectors.profiles import follow_list, profile_page_get, profile_user_access
from members.selectors.reciprocity import shout_outs_for_profile
from members.services.follows import follow_create, follow_delete
from members.services.profiles import profile_update


def _signed_in_for_profile(view):
    """Visitors who press Follow go to sign in and come back to the member's profile, not
    to the POST-only follow URL (which would answer their GET with 405). The same idea as
    views.groups._signed_in_for, which is bound to the group page."""

    @wraps(view)
    def wrapper(request, username, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("members:profile", args=[username]))
        return view(request, username, *args, **kwargs)

    return wrapper


def _profile_context(request, page) -> dict:
    context = {
        "page": page,
        "profile_user": page.user,
        "profile_groups": [],
        "shout_outs": [],
        "activity_sections": [],
    }
    if not page.is_erased:
        context["profile_groups"] = groups_for_profile(profile_user=page.user, viewer=request.user)
        context["shout_outs"] = shout_outs_for_profile(profile_user=page.user, viewer=request.user)
        context["activity_sections"] = activity_sections_for(member=page.user, viewer=request.user)
    return context


def _profile_response(request, page, *, status: int = 200):
    context = _profile_context(request, page)
    return render(request, "members/profile_detail.html", context, status=status)


@require_safe
def profile_detail(request, username):
    """Shared between viewers of the same kind (members.page_cache), but for the member's
    own view of their profile."""
    if username == "me":  # a reserved username: your own profile, once signed in
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return redirect("members:profile", username=request.user.username)
    if profile_shareable(request):
        html = shared_profile_page(
            request,
            username,
            render_page=lambda name: _profile_context(
                request, profile_page_get(username=name, viewer=request.user)
            ),
        )
        if html is not None:
            return HttpResponse(html)
    page = profile_page_get(username=username, viewer=request.user)
    if page.user.username != username:  # /members/Maya/ → /members/maya/
        return redirect("members:profile", username=page.user.username, permanent=True)
    return _profile_response(request, page)


def _form_errors_add(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    if not is_community_member(request.user):
        raise PermissionDenied("Only approved members have a profile to edit.")
    try:
        profile = request.user.profile
    except Profile.DoesNotExist:
        profile = Profile(user=request.user)  # saved by profile_update on the first save
    form = ProfileForm(
        request.POST or None,
        request.FILES or None,
        initial=ProfileForm.initial_for(user=request.user, profile=profile),
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=request.user, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors_add(form, exc)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("members:profile", username=request.user.username)
    return render(request, "members/profile_edit.html", {"form": form, "profile": profile})


def _follow_list_view(request, username: str, direction: str):
    user = profile_user_access(username=username, viewer=request.user)
    if user.erased_at:
        return redirect("members:profile", username=user.username)
    if not can_browse_members(request.user):
        if request.user.is_authenticated:
            raise PermissionDenied("The member lists are for approved members.")
        return redirect_to_login(request.get_full_path())
    page_obj = DirectoryPaginator(
        follow_list(user=user, direction=direction), DIRECTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    member = "follower" if direction == "followers" else "followed"
    context = {
        "profile_user": user,
        "direction": direction,
        "page_obj": page_obj,
        "cards": member_cards((getattr(row, member) for row in page_obj), viewer=request.user),
    }
    template = (
        "members/directory_cards.html" if request.htmx else "members/profile_follow_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def follower_list(request, username):
    return _follow_list_view(request, username, "followers")


@require_safe
def following_list(request, username):
    return _follow_list_view(request, username, "following")


def _safe_next(request) -> str:
    """The POSTed `next` when it is a URL on this site (the home page's supporters panel
    sends next=/ so the member stays there), else ""."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@require_POST
@_signed_in_for_profile
def follow_toggle(request, username):
    """POST action=follow|unfollow, and optionally next=<local URL> to return to after a
    plain (non-htmx) POST. An explicit action (not a toggle) keeps a double click from
    following and unfollowing again. Past the follow rate limit the answer is a 429 with
    Retry-After: the panel for htmx, the profile page with the message otherwise."""
    target = profile_user_access(username=username, viewer=request.user)
    unfollow = request.POST.get("action") == "unfollow"
    error, retry_after = "", None
    try:
        if unfollow:
            follow_delete(follower=request.user, followed=target)
        else:
            follow_create(follower=request.user, followed=target)
    except RateLimited as exc:
        error, retry_after = exc.message, exc.retry_after
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except ApplicationError as exc:
        error = exc.message
    status = 200 if retry_after is None else 429
    if request.htmx:
        page = profile_page_get(username=target.username, viewer=request.user)
        response = render(
            request,
            "members/profile_follow_panel.html",
            {"page": page, "follow_error": error},
            status=status,
        )
    elif retry_after is not None:
        # A redirect cannot carry the 429, so the profile page is answered here, with the
        # message (messages added now are shown by this very render).
        messages.error(request, error)
        response = _profile_response(
            request, profile_page_get(username=target.username, viewer=request.user), status=429
        )
    else:
        if error:
            messages.error(request, error)
        elif unfollow:
            messages.success(request, f"You no longer follow {target.public_name}.")
        else:
            messages.success(request, f"You now follow {target.public_name}.")
        return redirect(_safe_next(request) or reverse("members:profile", args=[target.username]))
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
