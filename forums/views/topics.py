from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from community.ratelimit import RateLimited
from forums.forms import ReplyForm
from forums.permissions import access_topic
from forums.selectors.topic import topic_page
from forums.services.posts import POSTS_PER_PAGE, post_create
from forums.services.reading import resume_page, topic_viewed


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _render_topic(request, topic, *, form, status=200, retry_after=None, context=None):
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
            "posts": context.page.object_list,
            "form": form,
        },
        status=status,
    )
    return _with_retry_after(response, retry_after)


@require_safe
def topic_detail(request, pk: int, slug: str):
    topic = access_topic(request.user, pk=pk)  # 404, identical to a missing id
    if slug != topic.slug:
        url = topic.get_absolute_url()
        if request.GET.get("page"):
            url += "?" + request.GET.urlencode()
        return redirect(url, permanent=True)
    if not request.GET.get("page"):
        resume = resume_page(request.user, topic)
        if resume is not None:
            page, post_id = resume
            return redirect(f"{topic.get_absolute_url()}?page={page}#post-{post_id}")
    context = topic_page(topic=topic, viewer=request.user, page=request.GET.get("page"))
    topic_viewed(request.user, topic, list(context.page.object_list))
    return _render_topic(request, topic, form=ReplyForm(), context=context)


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
            last_page = (topic.reply_count + 1) // POSTS_PER_PAGE + 1
            return redirect(f"{topic.get_absolute_url()}?page={last_page}#post-{post.pk}")
    return _render_topic(request, topic, form=form, status=status, retry_after=retry_after)
