"""Flags and moderation in the browser. Every action is a POST (CSRF) that calls one
service (the flag form itself comes with a GET, on demand); a refusal answers 403 with the
reason, invisible things 404, bad input 400 with the message. The flag form uses htmx (the
partial swaps in place, with the message) and falls back to a plain form."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.ratelimit import RateLimited
from forums.models import Post, Topic
from forums.moderation_forms import FlagForm, MergeForm, MoveForm, ReasonForm, SuspendForm
from forums.permissions import (
    TOPIC_NOT_FOUND,
    access_topic,
    can_moderate_category,
    can_suspend_members,
    moderated_categories,
    visible_categories,
    visible_topics,
)
from forums.selectors.moderation import QUEUE_PAGE_SIZE, queue_posts, recently_hidden_posts
from forums.services.flags import flag_create
from forums.services.moderation import (
    flags_dismiss,
    member_suspend,
    member_unsuspend,
    post_hide,
    post_restore,
    topic_lock_set,
    topic_merge,
    topic_move,
    topic_pin_set,
)
from forums.services.posts import POSTS_PER_PAGE

NOT_A_MODERATOR = "You don't moderate any category."


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _message_of(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, RateLimited):
        return exc.message
    return str(exc) or "You can't do that."


def _refused(request, message: str, *, status: int, back: str | None = None):
    response = render(
        request,
        "forums/moderation_result.html",
        {"message": message, "back": back},
        status=status,
    )
    return response


def _status_of(exc: Exception) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, RateLimited):
        return 429
    return 400


def _post_url(post: Post, *, moderates: bool) -> str:
    earlier = Post.objects.filter(topic_id=post.topic_id, created_at__lt=post.created_at)
    if not moderates:
        earlier = earlier.filter(is_hidden=False)
    page = earlier.count() // POSTS_PER_PAGE + 1
    suffix = f"?page={page}" if page > 1 else ""
    return f"{post.topic.get_absolute_url()}{suffix}#post-{post.pk}"


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _visible_post(user, pk: int) -> Post:
    post = (
        Post.objects.select_related("topic__category", "author")
        .filter(pk=pk, topic__in=visible_topics(user))
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    return post


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def post_flag(request, pk: int):
    """GET: the flag form (in place of the post's Flag link with htmx, else on a page of
    its own); POST: flag the post."""
    post = _visible_post(request.user, pk)
    moderates = can_moderate_category(request.user, post.topic.category)
    if post.is_hidden and not moderates:
        raise Http404("No such post.")  # a hidden post is invisible to members
    if request.method != "POST":
        context = {
            "post": post,
            "flag_form_open": post.author_id != request.user.pk,
            "flag_result": "" if post.author_id != request.user.pk else "This is your post.",
            "view": SimpleNamespace(can_moderate=moderates),
            "back": _post_url(post, moderates=moderates),
        }
        if _is_htmx(request):
            return render(request, "forums/_post_flag.html", context)
        context.update(heading="Flag a post", partial="forums/_post_flag.html")
        return render(request, "forums/post_form_page.html", context)
    form = FlagForm(request.POST)
    error, status = None, 200
    if form.is_valid():
        try:
            flag_create(
                post=post,
                flagger=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except (PermissionDenied, ValidationError, RateLimited) as exc:
            error, status = _message_of(exc), _status_of(exc)
    else:
        error = " ".join(msg for errors in form.errors.values() for msg in errors)
        status = 400
    if _is_htmx(request):
        # htmx swaps only 2xx here (base.html's responseHandling), so a refusal comes back
        # as the partial with its message in place of the form.
        post.refresh_from_db(fields=["is_hidden"])
        return render(
            request,
            "forums/_post_flag.html",
            {
                "post": post,
                "flag_result": error or "Thanks: the moderators will review it.",
                "flag_failed": bool(error),
            },
        )
    if error:
        return _refused(request, error, status=status, back=_post_url(post, moderates=False))
    messages.success(request, "Thanks for flagging: the moderators will review the post.")
    post.refresh_from_db(fields=["is_hidden"])
    return redirect(
        post.topic.get_absolute_url() if post.is_hidden else _post_url(post, moderates=False)
    )


POST_ACTIONS = {"hide", "restore", "dismiss", "suspend", "unsuspend"}


@login_required
@require_POST
def post_moderate(request, pk: int):
    post = _visible_post(request.user, pk)
    action = request.POST.get("action", "")
    if action not in POST_ACTIONS:
        return _refused(request, "Unknown moderation action.", status=400)
    fallback = _post_url(post, moderates=True)
    if action in {"suspend", "unsuspend"}:
        return _suspension(request, post, action, fallback)
    if not can_moderate_category(request.user, post.topic.category):
        return _refused(
            request, "Only this category's moderators can do that.", status=403, back=fallback
        )
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if action == "hide":
            post_hide(post=post, actor=request.user, reason=reason or "Hidden by a moderator.")
            done = "The post is hidden."
        elif action == "restore":
            post_restore(post=post, actor=request.user, reason=reason)
            done = "The post is visible again."
        else:
            count = flags_dismiss(post=post, actor=request.user, reason=reason)
            done = f"Dismissed {count} flag{'s' if count != 1 else ''}."
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, _message_of(exc), status=_status_of(exc), back=fallback)
    messages.success(request, done)
    return redirect(_next_or(request, fallback))


def _suspension(request, post: Post, action: str, fallback: str):
    if not can_suspend_members(request.user):
        return _refused(
            request,
            "Only community moderators and managers can suspend members.",
            status=403,
            back=fallback,
        )
    if post.author is None:
        return _refused(request, "This post's author no longer has an account.", status=400)
    try:
        if action == "unsuspend":
            member_unsuspend(member=post.author, actor=request.user)
            done = f"{post.author_name}'s suspension is lifted."
        else:
            form = SuspendForm(request.POST)
            if not form.is_valid():
                errors = " ".join(msg for errs in form.errors.values() for msg in errs)
                return _refused(request, errors, status=400, back=fallback)
            member_suspend(
                member=post.author,
                actor=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
            done = f"{post.author_name} is suspended."
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, _message_of(exc), status=_status_of(exc), back=fallback)
    messages.success(request, done)
    return redirect(_next_or(request, fallback))


TOPIC_ACTIONS = {"lock", "unlock", "pin", "unpin", "move", "merge"}


@login_required
@require_POST
def topic_moderate(request, pk: int):
    topic = access_topic(request.user, pk=pk)
    back = topic.get_absolute_url()
    action = request.POST.get("action", "")
    if action not in TOPIC_ACTIONS:
        return _refused(request, "Unknown moderation action.", status=400, back=back)
    if not can_moderate_category(request.user, topic.category):
        return _refused(
            request, "Only this category's moderators can do that.", status=403, back=back
        )
    try:
        result = _topic_action(request, topic, action)
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, _message_of(exc), status=_status_of(exc), back=back)
    if isinstance(result, str):
        return _refused(request, result, status=400, back=back)
    done, target = result
    messages.success(request, done)
    return redirect(_next_or(request, target))


def _topic_action(request, topic: Topic, action: str):
    user = request.user
    reason_form = ReasonForm(request.POST)
    reason = reason_form.cleaned_data["reason"] if reason_form.is_valid() else ""
    url = topic.get_absolute_url()
    if action in {"lock", "unlock"}:
        topic_lock_set(topic=topic, actor=user, locked=action == "lock", reason=reason)
        return ("The topic is locked." if action == "lock" else "The topic is open again."), url
    if action in {"pin", "unpin"}:
        topic_pin_set(topic=topic, actor=user, pinned=action == "pin", reason=reason)
        return ("The topic is pinned." if action == "pin" else "The topic is unpinned."), url
    if action == "move":
        form = MoveForm(request.POST, categories=visible_categories(user))
        if not form.is_valid():
            return " ".join(msg for errs in form.errors.values() for msg in errs)
        category = form.cleaned_data["category"]
        topic_move(topic=topic, actor=user, category=category, reason=form.cleaned_data["reason"])
        return f"The topic moved to {category.name}.", url
    form = MergeForm(request.POST)
    if not form.is_valid():
        return " ".join(msg for errs in form.errors.values() for msg in errs)
    into = (
        visible_topics(user).select_related("category").filter(pk=form.cleaned_data["into"]).first()
    )
    if into is None:
        return TOPIC_NOT_FOUND
    into = topic_merge(topic=topic, into=into, actor=user, reason=form.cleaned_data["reason"])
    return f"The topic was merged into “{into.title}”.", into.get_absolute_url()


@login_required
@require_safe
def queue(request):
    moderated = list(moderated_categories(request.user).order_by("position", "name"))
    if not moderated:
        return _refused(request, NOT_A_MODERATOR, status=403)
    category = None
    if request.GET.get("category"):
        category = next((c for c in moderated if c.slug == request.GET["category"]), None)
        if category is None:
            raise Http404("No such category.")
    page = Paginator(
        queue_posts(moderator=request.user, category=category), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/moderation_queue.html",
        {
            "page": page,
            "flagged": page.object_list,
            "hidden_posts": recently_hidden_posts(moderator=request.user, category=category),
            "categories": moderated,
            "category": category,
            "can_suspend": can_suspend_members(request.user),
            "suspend_form": SuspendForm(),
        },
    )
