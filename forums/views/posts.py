"""What members do to one post: open it where it stands, react, accept it as the answer,
edit, delete, and (moderators) read its revisions. Every view loads the post with
access_post, so a post the viewer may not see answers 404 like a missing id."""

import copy

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.ratelimit import RateLimited
from forums.forms import ReplyForm, TopicForm
from forums.models import PostRevision
from forums.permissions import access_post, post_edit_refusal
from forums.selectors.topic import post_page_number, post_url, reaction_bars_for
from forums.services import editing
from forums.services.answers import answer_accept, answer_unaccept
from forums.services.reactions import reaction_add, reaction_remove


def _render(request, template: str, context: dict, *, status: int, retry_after: int | None):
    response = render(request, template, context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _refused(request, post, message: str, *, status: int, retry_after: int | None = None):
    """A plain (non-htmx) request that was refused: say why, with a way back to the post."""
    context = {
        "post": post,
        "topic": post.topic,
        "category": post.topic.category,
        "message": message,
    }
    return _render(
        request,
        "forums/post_action_refused.html",
        context,
        status=status,
        retry_after=retry_after,
    )


@require_safe
def post_open(request, pk: int):
    """The post on its page of its topic: notifications, bookmarks and search link here."""
    post = access_post(request.user, pk=pk)
    return redirect(post_url(post, moderates=post.viewer_moderates))


@login_required
@require_POST
def post_react(request, pk: int):
    """POST reaction=<kind>:add|<kind>:remove. Explicit, not a toggle: a double click sends
    "add" twice and stores one reaction. htmx gets the post's reaction bar back (a refusal
    answers 200 with the reason in the bar, since htmx swaps only 2xx and 429); a plain POST
    is redirected to the post."""
    post = access_post(request.user, pk=pk)
    kind, _, action = request.POST.get("reaction", "").partition(":")
    error, status, retry_after = "", 200, None
    try:
        if action == "remove":
            reaction_remove(post=post, user=request.user, kind=kind)
        else:
            reaction_add(post=post, user=request.user, kind=kind)
    except RateLimited as exc:
        error, status, retry_after = exc.message, 429, exc.retry_after
    except PermissionDenied as exc:
        error, status = str(exc) or "You can't react to this post.", 403
    except ValidationError as exc:
        error, status = " ".join(exc.messages), 400
    if not request.htmx:
        if error:
            return _refused(request, post, error, status=status, retry_after=retry_after)
        return redirect(post_url(post, moderates=post.viewer_moderates))
    post.reaction_bar = reaction_bars_for([post], request.user)[post.pk]
    post.reaction_bar.error = error
    return _render(
        request,
        "forums/_reactions.html",
        {"post": post, "topic": post.topic},
        status=429 if retry_after is not None else 200,
        retry_after=retry_after,
    )


@login_required
@require_POST
def post_accept(request, pk: int):
    """POST action=accept|unaccept on a reply of a Q&A topic."""
    post = access_post(request.user, pk=pk)
    unaccept = request.POST.get("action") == "unaccept"
    try:
        if unaccept:
            answer_unaccept(topic=post.topic, actor=request.user)
        else:
            answer_accept(post=post, actor=request.user)
    except PermissionDenied as exc:
        return _refused(request, post, str(exc) or "You can't do that here.", status=403)
    if unaccept:
        messages.success(request, "The topic no longer has an accepted answer.")
    else:
        messages.success(request, f"Marked {post.author_name}’s reply as the accepted answer.")
    return redirect(post_url(post, moderates=post.viewer_moderates))


class PostEditForm(ReplyForm):
    """The reply form plus an optional reason (kept in the revision history); for an
    opening post, the topic's title too."""

    reason = forms.CharField(
        label="What did you change? (optional, shown in the revision history)",
        max_length=editing.REVISION_REASON_MAX_LENGTH,
        required=False,
    )

    def __init__(self, *args, with_title: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "Your post"
        if with_title:
            self.fields["title"] = copy.deepcopy(TopicForm.base_fields["title"])
            self.order_fields(["title", "body", "reason"])


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    post = access_post(request.user, pk=pk)
    topic = post.topic
    refusal = post_edit_refusal(request.user, post, moderates=post.viewer_moderates)
    if refusal:
        return _refused(request, post, refusal, status=403)
    with_title = post.is_opening
    initial = {"body": post.body, "title": topic.title}
    form = PostEditForm(request.POST or None, initial=initial, with_title=with_title)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = editing.post_edit(
                    post=post,
                    editor=request.user,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data.get("title") if with_title else None,
                    reason=form.cleaned_data["reason"],
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except PermissionDenied as exc:
                return _refused(request, post, str(exc) or "You can't edit this post.", status=403)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(post_url(saved, moderates=post.viewer_moderates))
    return _render(
        request,
        "forums/post_edit.html",
        {"post": post, "topic": topic, "category": topic.category, "form": form},
        status=status,
        retry_after=retry_after,
    )


@login_required
@require_POST
def post_delete(request, pk: int):
    """Delete (hide) your own post. The opening post of a topic with replies is refused."""
    post = access_post(request.user, pk=pk)
    try:
        editing.post_delete(post=post, actor=request.user)
    except PermissionDenied as exc:
        return _refused(request, post, str(exc) or "You can't delete this post.", status=403)
    topic = post.topic
    if post.is_opening:
        messages.success(
            request, "Your topic was deleted. The category's moderators can still see it."
        )
        return redirect(topic.category)
    messages.success(request, "Your post was deleted. The category's moderators can still see it.")
    page = post_page_number(post, moderates=post.viewer_moderates)
    return redirect(f"{topic.get_absolute_url()}?page={page}")


@require_safe
def post_revisions(request, pk: int):
    """The revision history, for the category's moderators only: everyone else gets the
    same 404 as for a missing post."""
    post = access_post(request.user, pk=pk)
    if not post.viewer_moderates:
        raise Http404("No such post.")
    revisions = PostRevision.objects.filter(post=post).select_related("editor")
    return render(
        request,
        "forums/post_revisions.html",
        {
            "post": post,
            "topic": post.topic,
            "category": post.topic.category,
            "revisions": list(revisions),
        },
    )
