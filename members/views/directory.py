from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from members.forms.profiles import DirectoryFilterForm
from members.permissions import can_browse_members
from members.selectors.directory import (
    DIRECTORY_PAGE_SIZE,
    DirectoryPaginator,
    member_cards,
    member_directory_filter,
    member_directory_list,
)


@require_safe
def member_list(request):
    """The directory. An htmx "Load more" request gets only the next cards and the next
    button; without JavaScript the same link opens the next page."""
    if not can_browse_members(request.user):
        if request.user.is_authenticated:
            raise PermissionDenied("The member directory is for approved members.")
        return redirect_to_login(request.get_full_path())
    form = DirectoryFilterForm(request.GET or None, viewer=request.user)
    if form.is_bound:
        form.is_valid()  # invalid fields are shown with their error and left out of the query
    query = form.directory_query()
    filtered = member_directory_filter(viewer=request.user, query=query)
    members = member_directory_list(viewer=request.user, query=query, filtered=filtered)
    page_obj = DirectoryPaginator(members, DIRECTORY_PAGE_SIZE, count_source=filtered).get_page(
        request.GET.get("page")
    )
    context = {
        "form": form,
        "query": query,
        "page_obj": page_obj,
        "cards": member_cards(page_obj, viewer=request.user),
    }
    template = "members/directory_cards.html" if request.htmx else "members/directory.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
