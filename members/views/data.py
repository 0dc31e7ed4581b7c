from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from community.exceptions import ApplicationError
from community.ratelimit import RateLimit, RateLimited, rate_limit_hit
from members.forms.data import AccountEraseForm
from members.services.data import member_data_export_file, member_erase

# Guessing the password through the erase form must be no easier than through the login form.
ERASE_ATTEMPT_LIMITS = (RateLimit(count=5, seconds=60 * 60, description="5 attempts an hour"),)


def _render_overview(request, erase_form, *, status=200, refusal="", export_refusal=""):
    return render(
        request,
        "members/data_overview.html",
        {"erase_form": erase_form, "erase_refusal": refusal, "export_refusal": export_refusal},
        status=status,
    )


def _rate_limited(request, exc: RateLimited, **refusal):
    response = _render_overview(request, AccountEraseForm(user=request.user), status=429, **refusal)
    response["Retry-After"] = str(exc.retry_after)
    return response


@login_required
@require_safe
@never_cache
def data_overview(request):
    return _render_overview(request, AccountEraseForm(user=request.user))


@require_POST
@login_required
@never_cache
def data_export(request):
    try:
        archive = member_data_export_file(member=request.user)
    except RateLimited as exc:
        return _rate_limited(request, exc, export_refusal=exc.message)
    # Streamed from the temporary file in blocks; FileResponse closes (and so deletes) it
    # once sent.
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"{request.user.username}-data-{timezone.localdate().isoformat()}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
@never_cache
def account_erase(request):
    form = AccountEraseForm(request.POST, user=request.user)
    try:
        rate_limit_hit(scope="account-erase", key=request.user.pk, limits=ERASE_ATTEMPT_LIMITS)
    except RateLimited as exc:
        # Refused before the password is even looked at.
        return _rate_limited(request, exc, refusal=exc.message)
    if not form.is_valid():
        return _render_overview(request, form, status=400)
    try:
        member_erase(member=request.user, actor=request.user)
    except (PermissionDenied, ApplicationError) as exc:
        form.add_error(None, str(exc))
        return _render_overview(request, form, status=400)
    logout(request)
    messages.success(
        request,
        "Your account has been erased. What you shared stays, shown as from “Former member”.",
    )
    return redirect("home")
