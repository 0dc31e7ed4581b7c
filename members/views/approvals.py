from django.shortcuts import render
from django.views.decorators.http import require_safe

from members.adapters import PENDING_STATUS_SESSION_KEY
from members.models import ApprovalStatus


@require_safe
def account_pending(request):
    """Where a sign-up lands while a community manager has not approved it (or declined)."""
    status = request.session.get(PENDING_STATUS_SESSION_KEY, ApprovalStatus.PENDING)
    return render(
        request,
        "members/account_pending.html",
        {"declined": status == ApprovalStatus.DECLINED},
    )
