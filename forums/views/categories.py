from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from forums.permissions import access_category
from forums.selectors.lists import (
    category_list_for,
    category_page_can_post,
    latest_topics_for,
    subcategories_for,
    topic_list_for_category,
)

TOPICS_PER_PAGE = 30


@require_safe
def category_list(request):
    return render(
        request, "forums/category_list.html", {"rows": category_list_for(viewer=request.user)}
    )


@require_safe
def latest(request):
    page = Paginator(latest_topics_for(viewer=request.user), TOPICS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "forums/latest.html", {"page": page, "topics": page.object_list})


@require_safe
def category_detail(request, slug: str):
    category = access_category(request.user, slug=slug)  # 404 if not visible
    page = Paginator(
        topic_list_for_category(category=category, viewer=request.user), TOPICS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/category_detail.html",
        {
            "category": category,
            "subcategories": subcategories_for(category=category, viewer=request.user),
            "page": page,
            "topics": page.object_list,
            "can_post": category_page_can_post(category=category, viewer=request.user),
        },
    )
