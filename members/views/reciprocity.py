from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from community.exceptions import ApplicationError
from community.ratelimit import RateLimited
from members.forms.reciprocity import ShoutOutForm
from members.models import ApprovalStatus, User
from members.permissions import is_community_member
from members.selectors.reciprocity import SupportLedgerList, shout_outs_for_profile
from members.services import reciprocity as reciprocity_services

SUPPORTERS_PER_PAGE = 50


def _check_member(user) -> None:
    if not is_community_member(user):
        raise PermissionDenied("Only community members can do this.")


def _recipient(username: str) -> User:
    # People who are not (or no longer) members are missing, not forbidden; so is guardian's
    # AnonymousUser row, which is active and "approved" but nobody.
    if username.lower() == settings.ANONYMOUS_USER_NAME.lower():
        raise Http404("No such member.")
    return get_object_or_404(
        User,
        username__iexact=username,
        is_active=True,
        erased_at__isnull=True,
        approval_status=ApprovalStatus.APPROVED,
    )


@login_required
@require_http_methods(["GET", "POST"])
def shout_out_create(request, username):
    _check_member(request.user)
    recipient = _recipient(username)
    form = ShoutOutForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                reciprocity_services.shout_out_create(
                    author=request.user,
                    recipient=recipient,
                    message=form.cleaned_data["message"],
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except ValidationError as exc:
                form.add_error(None, exc)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"Your shout-out for {recipient.public_name} is on their profile."
                )
                return redirect("members:profile", username=recipient.username)
    response = render(
        request,
        "members/shout_out_create.html",
        {
            "recipient": recipient,
            "profile_user": recipient,
            "is_self": recipient.pk == request.user.pk,
            "form": form,
            "shout_outs": shout_outs_for_profile(profile_user=recipient, viewer=request.user),
            "on_shout_out_page": True,
        },
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_safe
def supporter_list(request):
    _check_member(request.user)
    ledger = SupportLedgerList(member=request.user)
    page = Paginator(ledger, SUPPORTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/supporters.html",
        {"page": page, "rows": page.object_list, "days": ledger.days},
    )
