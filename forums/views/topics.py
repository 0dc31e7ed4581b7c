from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from community.notifications import unread_count_cache_key
from community.per_request import cache_prefetch
from community.ratelimit import RateLimited
from forums.forms import ReplyForm
from forums.page_cache.frame import (
    dashboard_link,
    frame_cache_key,
    member_topic_page,
    visitor_page_key,
    visitor_topic_page,
)
from forums.page_cache.keys import requested_page
from forums.page_cache.posts import facts_cache_key, post_list, posts_cache_key, viewer_shape
from forums.permissions import access_topic, merged_target_for
from forums.selectors.topic import post_quote, topic_rights
from forums.services.drafts import draft_discard, draft_get
from forums.services.posts import POSTS_PER_PAGE, post_create
from forums.services.reading import read_cache_key, resume_page, topic_viewed
from forums.topic_boxes import boxes_html, boxes_offering, offers_html


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _render_topic(
    request, topic, *, form, view=None, status=200, retry_after=None, posts_html=None, extra=None
):
    if view is None:
        view = topic_rights(topic=topic, viewer=request.user)
    if posts_html is None:
        posts_html, _ = post_list(request, view, request.GET.get("page"))
    offers = ""
    if request.user.is_authenticated:
        missing = boxes_offering(view.boxes)
        offers = offers_html(request, topic, missing, moderates=view.can_moderate)
    response = render(
        request,
        "forums/topic_detail.html",
        {
            "topic": topic,
            "category": topic.category,
            "view": view,
            "page": view.page,
            "posts_html": posts_html,
            "topic_boxes": boxes_html(request, topic, view.boxes),
            "topic_offers": offers,
            "form": form,
            **(extra or {}),
        },
        status=status,
    )
    return _with_retry_after(response, retry_after)


def _topic_detail_for_visitor(request, topic):
    """Visitors all see the same page (forums.page_cache.frame). Pages with other query
    parameters or with a message to show are rendered as usual."""
    view = topic_rights(topic=topic, viewer=request.user)
    topic_viewed(request.user, topic, [])
    if request.GET.keys() - {"page"} or len(get_messages(request)):
        return _render_topic(request, topic, form=ReplyForm(), view=view)
    return HttpResponse(visitor_topic_page(request, view))


def _first_cache_reads(request, topic) -> list[str]:
    """What the topic page reads from the cache before it knows the viewer's rights, fetched
    with their permission entries in one round trip (forums.permissions.access_topic)."""
    requested = requested_page(request.GET.get("page"))
    user = request.user
    if not user.is_authenticated:
        return [
            facts_cache_key(topic, moderates=False),
            visitor_page_key(topic, requested, request.branding),
        ]
    return [
        facts_cache_key(topic, moderates=False),
        facts_cache_key(topic, moderates=True),
        read_cache_key(user.pk, topic.pk),
        unread_count_cache_key(user.pk),
    ]


def _second_cache_reads(request, view, shape) -> list[str]:
    """What a member's page reads once their rights (and so their shape) are known."""
    requested = requested_page(request.GET.get("page"))
    return [
        posts_cache_key(view.topic, shape, requested),
        frame_cache_key(view, shape, requested, request.branding, dashboard_link(request)),
    ]


@require_safe
def topic_detail(request, pk: int, slug: str):
    try:
        # 404, identical to a missing id
        topic = access_topic(
            request.user, pk=pk, prefetch=lambda topic: _first_cache_reads(request, topic)
        )
    except Http404:
        # A topic merged away (hidden from members) sends its old links to where it went.
        target = merged_target_for(request.user, pk=pk)
        if target is None:
            raise
        return redirect(target, permanent=True)
    if slug != topic.slug:
        url = topic.get_absolute_url()
        if request.GET:
            url += "?" + request.GET.urlencode()
        return redirect(url, permanent=True)
    if not request.user.is_authenticated:
        return _topic_detail_for_visitor(request, topic)
    if not request.GET.get("page") and not request.GET.get("quote"):
        resume = resume_page(request.user, topic)
        if resume is not None:
            page, post_id = resume
            return redirect(f"{topic.get_absolute_url()}?page={page}#post-{post_id}")
    view = topic_rights(topic=topic, viewer=request.user)
    shape = viewer_shape(request.user, view)
    cache_prefetch(_second_cache_reads(request, view, shape))
    if not (request.GET.keys() - {"page"} or len(get_messages(request))):
        html, posts = member_topic_page(request, view, shape, get_token(request))
        topic_viewed(request.user, topic, posts)
        return HttpResponse(html)
    posts_html, posts = post_list(request, view, request.GET.get("page"))
    topic_viewed(request.user, topic, posts)
    form = ReplyForm()
    if view.can_reply and request.GET.get("quote"):
        form = _reply_form_quoting(request, topic, request.GET["quote"])
    return _render_topic(request, topic, form=form, view=view, posts_html=posts_html)


def _reply_form_quoting(request, topic, post_id: str) -> ReplyForm:
    """?quote=<post id>: the reply starts with that post quoted, after the member's draft
    (nothing typed is lost); a post id that is not a visible post of this topic is ignored.
    The form is bound so that the composer shows this text instead of the bare draft."""
    quote = post_quote(topic=topic, viewer=request.user, post_id=post_id)
    if not quote:
        return ReplyForm()
    draft = draft_get(user=request.user, topic=topic)
    if draft is not None and draft.body.strip():
        quote = f"{draft.body.rstrip()}\n\n{quote}"
    return ReplyForm(data={"body": quote})


@login_required
@require_POST
def reply_create(request, pk: int):
    topic = access_topic(request.user, pk=pk)
    form = ReplyForm(request.POST)
    status, retry_after = 400, None
    if form.is_valid():
        try:
            post = post_create(topic=topic, author=request.user, body=form.cleaned_data["body"])
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status, retry_after = 429, exc.retry_after
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You can't reply to this topic.")
            status = 403
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            draft_discard(user=request.user, topic=topic)
            last_page = (topic.reply_count + 1) // POSTS_PER_PAGE + 1
            return redirect(f"{topic.get_absolute_url()}?page={last_page}#post-{post.pk}")
    return _render_topic(request, topic, form=form, status=status, retry_after=retry_after)
