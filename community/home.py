"""The home page: with the root URLconf, the one place in community/ that may read from
every app (the rest of community/ is the base the apps build on and imports none of them;
tests/community/test_layers.py holds it to that)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from members.permissions import is_community_member
from members.selectors.reciprocity import supporters_to_thank

HOME_SUPPORTERS_LIMIT = 5


@require_safe
def home(request):
    context = {"show_supporters": is_community_member(request.user), "supporters": []}
    if context["show_supporters"]:
        context["supporters"] = supporters_to_thank(
            member=request.user, limit=HOME_SUPPORTERS_LIMIT
        )
    return render(request, "community/home.html", context)
