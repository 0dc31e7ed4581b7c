from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from community.page_cache.shared import KeptPart
from community.per_request import cache_get_many_prefetched
from forums.page_cache.frame import watch_menu_filled, watch_menu_of
from forums.page_cache.keys import page_key, requested_page
from forums.page_cache.lists import (
    list_key,
    list_shape,
    list_version,
    open_reading_holes,
    shareable,
    shared_list_page,
    shared_list_render,
)
from forums.page_cache.rows import topic_rows_html
from forums.permissions import access_category_page
from forums.selectors.lists import (
    category_list_for,
    category_page_can_post,
    latest_topics_for,
    subcategories_for,
    tag_for_filter,
    tags_offered_in,
    topic_list_for_category,
    topic_list_page,
)
from forums.services.watching import watch_version
from members.access import access_version_keys, access_versions

TOPIC_ROWS_TEMPLATE = "forums/_topic_rows.html"


def render_topic_list(
    request, template: str, topics, context: dict, *, count_scope=None, shared=None
):
    """A page of topic rows. An htmx "Load more" request gets only the next rows and the
    next control; without JavaScript the same link opens the next page. `count_scope`:
    forums.selectors.lists.topic_list_page. `topics`: a queryset, or a function that
    makes it (a shared page costs only its lookup when it is cached).

    `shared`: (kind, the category whose topics it lists or None for all, key parts) when the
    page may be shared between viewers (forums.page_cache.lists): `context` then holds
    nothing of the viewer's own but `can_post` and `watch_target`, whose watch menu is
    filled in per member."""
    if shared is not None and shareable(request):
        return _shared_topic_list(request, template, topics, context, count_scope, *shared)
    if callable(topics):
        topics = topics()
    listing = topic_list_page(
        topics, viewer=request.user, number=request.GET.get("page"), count_scope=count_scope
    )
    context = {**context, "page": listing.page, "topics": listing.topics}
    context["rows_html"] = topic_rows_html(listing.topics, context=context)
    response = render(request, TOPIC_ROWS_TEMPLATE if request.htmx else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _watch_menu_kept(request, target) -> KeptPart:
    """The member's watch menu of a category or tag, kept until they change a watch or their
    access changes (a visitor's is empty)."""
    user = request.user
    key = "-"
    if user.is_authenticated:
        versions = access_versions(user.pk, cache_get_many_prefetched(access_version_keys(user.pk)))
        key = page_key(
            "watch-menu",
            user.pk,
            target._meta.model_name,
            target.pk,
            *versions,
            watch_version(user.pk),
        )
    return KeptPart(
        key,
        lambda _shared: watch_menu_of(user, target),
        lambda menu, token: {"watch": watch_menu_filled(menu, request, token)},
    )


def _shared_topic_list(request, template, topics, context, count_scope, kind, scope, parts):
    raw_page = request.GET.get("page")
    version = list_version(scope)
    if count_scope is not None:
        # Counted again for each version: a count kept from before a topic joined the
        # list would cut the page short of it.
        count_scope = f"{count_scope}:{version}"
    shape = list_shape(request, can_post=context.get("can_post", False))
    key = list_key(kind, version, shape, request.branding, *parts, requested_page(raw_page))
    watch_target = context.get("watch_target")

    def render_shared():
        listing = topic_list_page(
            topics() if callable(topics) else topics,
            viewer=request.user,
            number=raw_page,
            count_scope=count_scope,
            reading=False,
        )
        open_reading_holes(listing.topics)
        page_context = {**context, "page": listing.page, "topics": listing.topics}
        page_context["rows_html"] = topic_rows_html(listing.topics, context=page_context)
        query = QueryDict(mutable=True)
        if context.get("tag") is not None and "tag" in request.GET:
            query["tag"] = context["tag"].slug
        return shared_list_render(
            template,
            page_context,
            path=request.path,
            query=query,
            shape=shape,
            branding=request.branding,
        )

    kept = []
    if watch_target is not None:
        kept.append(_watch_menu_kept(request, watch_target))
    html = shared_list_page(request, key, render_shared, kept=kept)
    response = HttpResponse(html)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def category_list(request):
    return render(
        request, "forums/category_list.html", {"rows": category_list_for(viewer=request.user)}
    )


@require_safe
def latest(request):
    tag, tag_error = tag_for_filter(request.user, request.GET.get("tag"))

    def topics():
        listed = latest_topics_for(viewer=request.user, tag=tag)
        return listed.none() if tag_error else listed

    return render_topic_list(
        request,
        "forums/latest.html",
        topics,
        {"tag": tag, "tag_error": tag_error, "show_category": True},
        count_scope=None if tag_error else f"latest:{tag.pk if tag else '-'}",
        shared=None if tag_error else ("latest", None, (tag.pk if tag else "-",)),
    )


@require_safe
def category_detail(request, slug: str):
    # 404 if not visible; its topics' newest change (the page's version) in the same query.
    category = access_category_page(request.user, slug=slug)
    tag, tag_error = tag_for_filter(request.user, request.GET.get("tag"))

    def topics():
        listed = topic_list_for_category(category=category, viewer=request.user, tag=tag)
        return listed.none() if tag_error else listed

    context = {"category": category, "tag": tag, "tag_error": tag_error}
    if not request.htmx:
        context |= {
            "subcategories": SimpleLazyObject(
                lambda: subcategories_for(category=category, viewer=request.user)
            ),
            "can_post": category_page_can_post(category=category, viewer=request.user),
            "category_tags": SimpleLazyObject(lambda: tags_offered_in(category=category)),
            "watch_target": category,
        }
    scope = None if tag_error else f"category:{category.pk}:{tag.pk if tag else '-'}"
    return render_topic_list(
        request,
        "forums/category_detail.html",
        topics,
        context,
        count_scope=scope,
        shared=None if tag_error else ("category", category, (scope,)),
    )
