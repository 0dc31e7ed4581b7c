from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from forums.page_cache.rows import topic_rows_html
from forums.permissions import access_category
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

TOPIC_ROWS_TEMPLATE = "forums/_topic_rows.html"


def render_topic_list(request, template: str, topics, context: dict, *, count_scope=None):
    """A page of topic rows. An htmx "Load more" request gets only the next rows and the
    next control; without JavaScript the same link opens the next page. `count_scope`:
    forums.selectors.lists.topic_list_page."""
    listing = topic_list_page(
        topics, viewer=request.user, number=request.GET.get("page"), count_scope=count_scope
    )
    context = {**context, "page": listing.page, "topics": listing.topics}
    context["rows_html"] = topic_rows_html(listing.topics, context=context)
    response = render(request, TOPIC_ROWS_TEMPLATE if request.htmx else template, context)
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
    topics = latest_topics_for(viewer=request.user, tag=tag)
    if tag_error:
        topics = topics.none()
    return render_topic_list(
        request,
        "forums/latest.html",
        topics,
        {"tag": tag, "tag_error": tag_error, "show_category": True},
        count_scope=None if tag_error else f"latest:{tag.pk if tag else '-'}",
    )


@require_safe
def category_detail(request, slug: str):
    category = access_category(request.user, slug=slug)  # 404 if not visible
    tag, tag_error = tag_for_filter(request.user, request.GET.get("tag"))
    topics = topic_list_for_category(category=category, viewer=request.user, tag=tag)
    if tag_error:
        topics = topics.none()
    context = {"category": category, "tag": tag, "tag_error": tag_error}
    if not request.htmx:
        context |= {
            "subcategories": subcategories_for(category=category, viewer=request.user),
            "can_post": category_page_can_post(category=category, viewer=request.user),
            "category_tags": tags_offered_in(category=category),
        }
    return render_topic_list(
        request,
        "forums/category_detail.html",
        topics,
        context,
        count_scope=None if tag_error else f"category:{category.pk}:{tag.pk if tag else '-'}",
    )
