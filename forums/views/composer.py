"""Writing: the new-topic page, preview, drafts and image uploads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from community.ratelimit import RateLimited
from forums.forms import TopicForm
from forums.permissions import access_category, check_post_in
from forums.services.topics import topic_create


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def topic_create_view(request, slug: str):
    category = access_category(request.user, slug=slug)  # 404 if not visible
    check_post_in(request.user, category)  # 403 with the reason
    form = TopicForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                topic = topic_create(
                    category=category,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect(topic)
    response = render(
        request,
        "forums/topic_create.html",
        {"category": category, "form": form},
        status=status,
    )
    return _with_retry_after(response, retry_after)


def preview(request, *args, **kwargs):
    raise Http404("Not built yet.")


def draft_save(request, *args, **kwargs):
    raise Http404("Not built yet.")


def image_upload(request, *args, **kwargs):
    raise Http404("Not built yet.")
