"""The library as a community feature: promoting a topic, suggesting a resource, and on a
resource page commenting, reacting and sharing. Thin: the rules live in library.promotion,
library.suggestions and library.engagement; anything the viewer may not see is the same 404
as a missing one (library.permissions, forums.permissions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from community.exceptions import ApplicationError
from community.ratelimit import RateLimited
from forums.permissions import access_topic
from library import selectors
from library.engagement import (
    comment_add,
    resource_reaction_add,
    resource_reaction_remove,
    resource_share,
)
from library.forms import CommentForm, PromoteForm, SuggestionForm
from library.models import Suggestion
from library.permissions import access_resource, visible_collections
from library.promotion import promotion_draft, resource_promote
from library.suggestions import check_suggest, suggestion_create
from library.views import resource_page_response, share_context


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _add_service_error(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def promote(request, topic_pk: int):
    """The prefilled article form for a topic (or, with ?post=, its accepted answer), for
    the category's moderators; anyone else gets 403, a topic they cannot see 404."""
    topic = access_topic(request.user, pk=topic_pk)
    raw_post = request.POST.get("post") or request.GET.get("post") or ""
    post_id = int(raw_post) if raw_post.isdigit() else None
    draft = promotion_draft(actor=request.user, topic=topic, post_id=post_id)
    collections = visible_collections(request.user).order_by("title")
    form = PromoteForm(request.POST or None, draft=draft, collections=collections)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                resource = resource_promote(
                    actor=request.user,
                    topic=topic,
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    access=data["access"],
                    credited=data["credited"],
                    collections=data["collections"],
                    source_post_id=draft.source_post.pk,
                )
            except ValidationError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, f"“{resource.title}” is in the library now.")
                return redirect(resource.get_absolute_url())
        status = 400
    return render(
        request,
        "library/promote.html",
        {"form": form, "draft": draft, "topic": topic},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def suggest(request):
    """Suggest a resource; below the form, the member's own suggestions and decisions."""
    check_suggest(request.user)
    collections = visible_collections(request.user).order_by("title")
    form = SuggestionForm(request.POST or None, collections=collections)
    status, retry_after = 200, None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                suggestion_create(
                    author=request.user,
                    title=data["title"],
                    url=data["url"],
                    description=data["description"],
                    reason=data["reason"],
                    collection=data["collection"],
                )
            except ValidationError as exc:
                _add_service_error(form, exc)
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            else:
                messages.success(
                    request, "Thank you! A community manager will look at your suggestion."
                )
                return redirect("library:suggest")
        if status == 200:
            status = 400
    mine = Suggestion.objects.filter(suggested_by=request.user).order_by("-created_at")[:20]
    response = render(
        request, "library/suggest.html", {"form": form, "suggestions": mine}, status=status
    )
    return _with_retry_after(response, retry_after)


def _refused(request, resource, message: str, *, status: int, retry_after=None):
    """A plain (non-htmx) request that was refused: the resource page with the reason."""
    messages.error(request, message)
    response = resource_page_response(request, resource, status=status)
    return _with_retry_after(response, retry_after)


@login_required
@require_POST
def comment(request, slug: str):
    resource = access_resource(request.user, slug=slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return resource_page_response(request, resource, comment_form=form, status=400)
    try:
        post = comment_add(resource=resource, author=request.user, body=form.cleaned_data["body"])
    except ValidationError as exc:
        _add_service_error(form, exc)
        return resource_page_response(request, resource, comment_form=form, status=400)
    except RateLimited as exc:
        return _refused(request, resource, exc.message, status=429, retry_after=exc.retry_after)
    except (PermissionDenied, ApplicationError) as exc:
        message = getattr(exc, "message", None) or str(exc) or "You can't comment here."
        return _refused(request, resource, message, status=403)
    messages.success(request, "Your comment is posted.")
    return redirect(f"{resource.get_absolute_url()}#comment-{post.pk}")


@login_required
@require_POST
def react(request, slug: str):
    """POST reaction=<kind>:add|<kind>:remove, explicit like the forum's: a double click
    sends "add" twice and stores one. htmx gets the bar back; a plain POST the page."""
    resource = access_resource(request.user, slug=slug)
    kind, _, action = request.POST.get("reaction", "").partition(":")
    error, status, retry_after = "", 200, None
    try:
        if action == "remove":
            resource_reaction_remove(resource=resource, user=request.user, kind=kind)
        else:
            resource_reaction_add(resource=resource, user=request.user, kind=kind)
    except RateLimited as exc:
        error, status, retry_after = exc.message, 429, exc.retry_after
    except PermissionDenied as exc:
        error, status = str(exc) or "You can't react to this.", 403
    except ValidationError as exc:
        error, status = " ".join(exc.messages), 400
    if not request.htmx:
        if error:
            return _refused(request, resource, error, status=status, retry_after=retry_after)
        return redirect(f"{resource.get_absolute_url()}#reactions")
    bar = selectors.reaction_bar(resource=resource, viewer=request.user)
    bar.error = error
    response = render(
        request,
        "library/_reactions.html",
        {"resource": resource, "bar": bar},
        status=429 if retry_after is not None else 200,
    )
    return _with_retry_after(response, retry_after)


@login_required
@require_POST
def share(request, slug: str):
    """Record a share (once a day per member) and show the link to copy."""
    resource = access_resource(request.user, slug=slug)
    try:
        resource_share(resource=resource, user=request.user)
    except PermissionDenied as exc:
        return _refused(request, resource, str(exc), status=403)
    if request.htmx:
        resource.refresh_from_db(fields=["share_count"])
        return render(request, "library/_share.html", share_context(resource, shared=True))
    return redirect(f"{resource.get_absolute_url()}?shared=1#share")
