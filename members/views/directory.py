from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from members.access import DIRECTORY_VERSION_KEY
from members.forms.profiles import DirectoryFilterForm
from members.page_cache import (
    directory_count_key,
    directory_self_dependent,
    directory_shareable,
    directory_version,
    prefetch_for,
    shared_directory_page,
    viewer_facets,
    viewer_may_browse,
)
from members.selectors.directory import (
    DIRECTORY_PAGE_SIZE,
    DirectoryPaginator,
    member_cards,
    member_directory_filter,
    member_directory_list,
)


def _page_context(request, form, query, *, viewer, count_key) -> dict:
    filtered = member_directory_filter(viewer=viewer, query=query)
    members = member_directory_list(viewer=viewer, query=query, filtered=filtered)
    page_obj = DirectoryPaginator(
        members, DIRECTORY_PAGE_SIZE, count_source=filtered, count_key=count_key
    ).get_page(request.GET.get("page"))
    return {
        "form": form,
        "query": query,
        "page_obj": page_obj,
        "cards": member_cards(page_obj, viewer=viewer),
    }


@require_safe
def member_list(request):
    """The directory. An htmx "Load more" request gets only the next cards and the next
    button; without JavaScript the same link opens the next page. Pages are shared between
    viewers of the same kind (members.page_cache)."""
    prefetch_for(request, DIRECTORY_VERSION_KEY, own_card=True)
    facets = viewer_facets(request)
    if not viewer_may_browse(request, facets):
        if request.user.is_authenticated:
            raise PermissionDenied("The member directory is for approved members.")
        return redirect_to_login(request.get_full_path())
    form = DirectoryFilterForm(
        request.GET or None, viewer=request.user, group_choices=facets.groups
    )
    if form.is_bound:
        form.is_valid()  # invalid fields are shown with their error and left out of the query
    query = form.directory_query()
    if directory_shareable(request, query, facets):
        html = shared_directory_page(
            request,
            query=query,
            facets=facets,
            render_page=lambda viewer, count_key: _page_context(
                request, form, query, viewer=viewer, count_key=count_key
            ),
        )
        response = HttpResponse(html)
        patch_vary_headers(response, ("HX-Request",))
        return response
    count_key = None
    user = request.user
    if not query.group and (
        not user.is_authenticated
        or (facets.member and not directory_self_dependent(request, query))
    ):
        # Counted as a neutral viewer of the kind would: this viewer's own fields change
        # nothing here (checked above), so the shared count is theirs too.
        count_key = directory_count_key(query, member=facets.member, version=directory_version())
    context = _page_context(request, form, query, viewer=user, count_key=count_key)
    template = "members/directory_cards.html" if request.htmx else "members/directory.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
