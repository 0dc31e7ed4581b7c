"""The library's pages and downloads. Thin: load through library.permissions (anything the
viewer may not see is the same 404 as a missing slug), read through library.selectors,
count through library.services."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from community.links import absolute_url
from forums.permissions import access_tag
from library import selectors
from library.forms import CommentForm
from library.models import LibraryAccess, ResourceKind
from library.page_extras import resource_extras_html
from library.permissions import (
    RESOURCE_NOT_FOUND,
    access_collection,
    access_file_version,
    access_resource,
)
from library.services import file_download_record, resource_view_count
from members.permissions import is_community_member


@require_GET
def library_home(request):
    home = selectors.library_home(viewer=request.user)
    return render(
        request,
        "library/library_home.html",
        {"collections": home.collections, "resources": home.resources},
    )


@require_GET
def collection_detail(request, slug: str):
    collection = access_collection(request.user, slug=slug)
    resources = selectors.collection_resources(collection=collection, viewer=request.user)
    return render(
        request,
        "library/collection_detail.html",
        {"collection": collection, "resources": resources},
    )


@require_GET
def tag_detail(request, slug: str):
    tag = access_tag(request.user, slug=slug)
    resources = selectors.resources_by_tag(tag=tag, viewer=request.user)[:100]
    return render(request, "library/tag_detail.html", {"tag": tag, "resources": resources})


@require_GET
def resource_detail(request, slug: str):
    resource = access_resource(request.user, slug=slug)
    resource_view_count(resource=resource, viewer=request.user)
    return resource_page_response(request, resource)


def share_context(resource, *, shared: bool) -> dict:
    return {
        "resource": resource,
        "shared": shared,
        "share_url": absolute_url(resource.get_absolute_url()),
    }


def resource_page_response(request, resource, *, comment_form=None, status: int = 200):
    """The resource page (also re-shown with a refused comment's errors)."""
    viewer = request.user
    page = selectors.resource_page(resource=resource, viewer=viewer)
    return render(
        request,
        "library/resource_detail.html",
        {
            "resource": resource,
            "versions": page.versions,
            "latest": page.versions[0] if page.versions else None,
            "tags": page.tags,
            "source_topics": page.source_topics,
            "collections": page.collections,
            "is_file": resource.kind == ResourceKind.FILE,
            "is_link": resource.kind == ResourceKind.LINK,
            "is_article": resource.kind == ResourceKind.ARTICLE,
            "bar": selectors.reaction_bar(resource=resource, viewer=viewer),
            "credits": selectors.resource_credits(resource=resource),
            "comments": selectors.resource_comments(resource=resource, viewer=viewer),
            "comment_form": comment_form or CommentForm(),
            "can_act": is_community_member(viewer),
            "extras": resource_extras_html(request, resource),
            **share_context(resource, shared=request.GET.get("shared") == "1"),
        },
        status=status,
    )


def _private_headers(response, *, public: bool):
    # Nothing but the browser may keep a copy of what only some people may see.
    response["Cache-Control"] = "private, max-age=0" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def resource_download(request, slug: str, number: int | None = None):
    """The latest version of a file resource (or version `number`), as an attachment with
    the type sniffed at upload and the uploader's cleaned name; counted."""
    version = access_file_version(request.user, slug=slug, number=number)
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(RESOURCE_NOT_FOUND) from exc
    file_download_record(version=version, user=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type,
    )
    return _private_headers(response, public=version.resource.access == LibraryAccess.PUBLIC)


@require_GET
def resource_cover(request, slug: str):
    """The cover image (re-encoded at upload), inline, for those who may see the resource."""
    resource = access_resource(request.user, slug=slug)
    if not resource.cover:
        raise Http404(RESOURCE_NOT_FOUND)
    try:
        handle = resource.cover.open("rb")
    except FileNotFoundError as exc:
        raise Http404(RESOURCE_NOT_FOUND) from exc
    content_type = "image/png" if resource.cover.name.endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    return _private_headers(response, public=resource.access == LibraryAccess.PUBLIC)
