"""The unanswered list, tags, and bookmarks."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from forums.bookmark_forms import BookmarkForm
from forums.permissions import access_post, access_tag
from forums.selectors.lists import (
    UNANSWERED_DAYS,
    tag_list_for,
    tag_topics_for,
    unanswered_topics_for,
)
from forums.services.bookmarks import (
    bookmark_remove,
    bookmark_save,
    bookmark_toggle,
    bookmarks_for,
)
from forums.views.categories import render_topic_list
from members.permissions import is_community_member

BOOKMARKS_PER_PAGE = 30


@require_safe
def unanswered(request):
    return render_topic_list(
        request,
        "forums/unanswered.html",
        lambda: unanswered_topics_for(viewer=request.user),
        {"show_category": True, "show_support": True, "unanswered_days": UNANSWERED_DAYS},
        # Topics leave the list as they pass its 90 days: a new page each day.
        shared=("unanswered", None, (timezone.now().date(),)),
    )


@require_safe
def tag_list(request):
    return render(request, "forums/tag_list.html", {"tags": tag_list_for(viewer=request.user)})


@require_safe
def tag_detail(request, slug: str):
    tag = access_tag(request.user, slug=slug)  # 404 when missing or only in hidden places
    return render_topic_list(
        request,
        "forums/tag_detail.html",
        lambda: tag_topics_for(tag=tag, viewer=request.user),
        {"tag": tag, "show_category": True, "watch_target": tag},
        count_scope=f"latest:{tag.pk}",
        shared=("tag", None, (tag.pk, tag.updated_at.timestamp())),
    )


@login_required
@require_safe
def bookmark_list(request):
    page = Paginator(bookmarks_for(user=request.user), BOOKMARKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "forums/_bookmark_rows.html" if request.htmx else "forums/bookmark_list.html"
    response = render(request, template, {"page": page, "bookmarks": page.object_list})
    patch_vary_headers(response, ("HX-Request",))
    return response


def _next_url(request, post) -> str:
    """Where a plain form post returns to: the page it came from, if it is on this site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("forums:post-open", args=[post.pk])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_bookmark(request, pk: int):
    """POST: bookmark a post, remove the bookmark, or save its note and reminder. htmx swaps
    the post's bookmark control; a plain form post goes back to where it came from. GET:
    the note and reminder form (in place with htmx, else on a page of its own)."""
    post = access_post(request.user, pk=pk)  # 404, identical to a missing post
    if not is_community_member(request.user):
        raise PermissionDenied("Sign in as a community member to bookmark posts.")
    if request.method != "POST":
        bookmark = post.bookmarks.filter(user_id=request.user.pk).first()
        context = {
            "post": post,
            "topic": post.topic,
            "view": SimpleNamespace(bookmarked_post_ids={post.pk} if bookmark else set()),
            "bookmark": bookmark,
            "bookmark_form_open": True,
            "bookmark_next": reverse("forums:post-open", args=[post.pk]),
        }
        if request.htmx:
            return render(request, "forums/_post_bookmark.html", context)
        context.update(
            heading="Bookmark a post",
            partial="forums/_post_bookmark.html",
            back=context["bookmark_next"],
        )
        return render(request, "forums/post_form_page.html", context)
    form = BookmarkForm(request.POST)
    bookmark, failed, message = None, False, ""
    if not form.is_valid():
        failed = True
    else:
        action = form.cleaned_data["action"]
        try:
            if action == "remove":
                bookmark_remove(user=request.user, post=post)
                message = "Bookmark removed."
            elif action == "save":
                bookmark = bookmark_save(
                    user=request.user,
                    post=post,
                    note=form.cleaned_data["note"],
                    remind_at=form.cleaned_data["remind_at"],
                )
                message = "Bookmark saved."
            else:
                bookmark = bookmark_toggle(user=request.user, post=post)
                message = "Bookmarked." if bookmark else "Bookmark removed."
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            failed = True
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            failed = True
    if not request.htmx:
        if failed:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        elif message:
            messages.success(request, message)
        return redirect(_next_url(request, post))
    bookmarked = bookmark is not None or (
        failed and post.bookmarks.filter(user_id=request.user.pk).exists()
    )
    context = {
        "post": post,
        "topic": post.topic,
        "view": SimpleNamespace(bookmarked_post_ids={post.pk} if bookmarked else set()),
        "bookmark": bookmark,
        "bookmark_form": form if failed else None,
        "bookmark_message": message,
        "bookmark_next": _next_url(request, post),
    }
    # 200 even for a form error: htmx 2 does not swap 4xx responses, and the error has to
    # show where the member is looking.
    return render(request, "forums/_post_bookmark.html", context)
