from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe

from community.ratelimit import RateLimited
from forums.forms import ReplyForm
from forums.permissions import access_topic, merged_target_for, reply_refusal
from forums.selectors.topic import VisitorTopicPage, post_quote, topic_page
from forums.services.drafts import draft_discard, draft_get
from forums.services.posts import POSTS_PER_PAGE, post_create
from forums.services.reading import resume_page, topic_viewed


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _render_topic(
    request, topic, *, form, status=200, retry_after=None, context=None, posts_html=None
):
    if context is None:
        context = topic_page(topic=topic, viewer=request.user, page=request.GET.get("page"))
    response = render(
        request,
        "forums/topic_detail.html",
        {
            "topic": topic,
            "category": topic.category,
            "view": context,
            "page": context.page,
            "posts": context.page.object_list if context.page is not None else [],
            "posts_html": posts_html,
            "form": form,
        },
        status=status,
    )
    return _with_retry_after(response, retry_after)


# Visitors all see the same post list, so it is rendered once per version of the topic:
# services touch Topic.updated_at on every change that shows there (posts, edits, hiding,
# reactions, answers, moves); the timeout bounds what they do not track (a new avatar).
VISITOR_POSTS_SECONDS = 5 * 60


def _visitor_posts_key(topic, page) -> str:
    version = f"{topic.updated_at.timestamp()}:{topic.last_post_at.timestamp()}"
    return f"forums:visitor-posts:v1:{topic.pk}:{version}:{topic.accepted_answer_id}:{page}"


def _topic_detail_for_visitor(request, topic):
    """The topic page for a visitor: the post list from the cache when it is there. On a
    hit the page costs the topic query and nothing else from the database."""
    page_param = request.GET.get("page") or "1"
    key = _visitor_posts_key(topic, page_param)
    cached = cache.get(key)
    if cached is None:
        context = topic_page(topic=topic, viewer=request.user, page=page_param)
        posts_html = render_to_string(
            "forums/_topic_posts.html",
            {
                "topic": topic,
                "category": topic.category,
                "view": context,
                "page": context.page,
                "posts": context.page.object_list,
            },
            request=request,
        )
        cache.set(key, (posts_html, context.page.number), VISITOR_POSTS_SECONDS)
    else:
        posts_html, _ = cached
        context = None
    topic_viewed(request.user, topic, [])
    if context is None:
        context = VisitorTopicPage(reply_refusal=reply_refusal(request.user, topic))
    return _render_topic(request, topic, form=ReplyForm(), context=context, posts_html=posts_html)


@require_safe
def topic_detail(request, pk: int, slug: str):
    try:
        topic = access_topic(request.user, pk=pk)  # 404, identical to a missing id
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
    context = topic_page(topic=topic, viewer=request.user, page=request.GET.get("page"))
    topic_viewed(request.user, topic, list(context.page.object_list))
    form = ReplyForm()
    if context.can_reply and request.GET.get("quote"):
        form = _reply_form_quoting(request, topic, request.GET["quote"])
    return _render_topic(request, topic, form=form, context=context)


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
