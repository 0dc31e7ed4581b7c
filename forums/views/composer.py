"""Writing: the new-topic page, preview, drafts and image uploads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from community.ratelimit import RateLimit, RateLimited, rate_limit_hit
from forums.forms import DraftForm, ImageUploadForm, PreviewForm, TopicForm
from forums.permissions import access_category, access_topic, check_post_in
from forums.services.drafts import draft_get
from forums.services.drafts import draft_save as draft_store
from forums.services.limits import content_limits_check
from forums.services.mentions import post_html_render
from forums.services.tags import tags_allowed_for
from forums.services.topics import topic_create
from forums.services.uploads import IMAGE_MAX_BYTES, image_markdown, post_image_create
from members.permissions import is_community_member

# Room for the multipart envelope and the alt text around a maximum-size image.
UPLOAD_REQUEST_MAX_BYTES = IMAGE_MAX_BYTES + 64 * 1024
PREVIEW_LIMITS = (RateLimit(count=30, seconds=60, description="30 previews a minute"),)


def _with_retry_after(response, retry_after: int | None):
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _add_service_error(form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form; errors for fields the form does not
    show go to the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def topic_create_view(request, slug: str):
    category = access_category(request.user, slug=slug)  # 404 if not visible
    check_post_in(request.user, category)  # 403 with the reason
    allowed_tags = tags_allowed_for(category)
    draft = None
    if request.method == "POST":
        form = TopicForm(request.POST, tags=allowed_tags)
    else:
        draft = draft_get(user=request.user, category=category)
        initial = {"title": draft.title, "body": draft.body} if draft else None
        form = TopicForm(initial=initial, tags=allowed_tags)
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
                    tags=form.cleaned_data.get("tags") or (),
                )
            except RateLimited as exc:
                form.add_error(None, exc.message)
                status, retry_after = 429, exc.retry_after
            except ValidationError as exc:
                _add_service_error(form, exc)
            else:
                return redirect(form.follow_up_url(topic) or topic)
    response = render(
        request,
        "forums/topic_create.html",
        {"category": category, "form": form, "draft": draft},
        status=status,
    )
    return _with_retry_after(response, retry_after)


def _partial_or_page(request, partial: str, page: str, context: dict, *, status: int = 200):
    template = partial if request.headers.get("HX-Request") else page
    return render(request, template, context, status=status)


@require_POST
def preview(request):
    """The body rendered exactly as it would be stored, plus what the content limits would
    refuse. htmx swaps the partial into the composer; without JavaScript it is a page."""
    if not is_community_member(request.user):
        raise PermissionDenied("Sign in as a community member to preview posts.")
    form = PreviewForm(request.POST)
    context = {"form": form, "html": "", "refusals": []}
    status, retry_after = 200, None
    if form.is_valid():
        body = form.cleaned_data["body"]
        try:
            rate_limit_hit(scope="forum-preview", key=request.user.pk, limits=PREVIEW_LIMITS)
        except RateLimited as exc:
            context["refusals"] = [exc.message]
            status, retry_after = 429, exc.retry_after
        else:
            context["html"] = post_html_render(body)
            try:
                content_limits_check(request.user, body, html=context["html"])
            except ValidationError as exc:
                context["refusals"] = exc.messages
    else:
        status = 400
    response = _partial_or_page(
        request, "forums/_preview.html", "forums/preview.html", context, status=status
    )
    return _with_retry_after(response, retry_after)


@require_POST
def draft_save(request):
    """Save the composer's text as the member types. Answers a short status line for the
    composer; 403/404 where the member may not post (nothing stored)."""
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to keep drafts.")
    form = DraftForm(request.POST)
    status, retry_after, message = 200, None, ""
    if not form.is_valid():
        status, message = (
            400,
            "Draft not saved: "
            + " ".join(error for errors in form.errors.values() for error in errors),
        )
    else:
        data = form.cleaned_data
        if data["topic"]:
            place = {"topic": access_topic(request.user, pk=data["topic"])}
        else:
            place = {"category": access_category(request.user, pk=data["category"])}
        try:
            draft = draft_store(user=request.user, title=data["title"], body=data["body"], **place)
        except PermissionDenied as exc:
            status, message = 403, f"Draft not saved: {exc}"
        except ValidationError as exc:
            status, message = 400, "Draft not saved: " + " ".join(exc.messages)
        except RateLimited as exc:
            status, retry_after, message = 429, exc.retry_after, "Draft not saved: " + exc.message
        else:
            message = "Draft saved" if draft else "Draft discarded"
    response = render(
        request,
        "forums/_draft_status.html",
        {"message": message, "ok": status == 200},
        status=status,
    )
    return _with_retry_after(response, retry_after)


def _upload_answer(request, *, wants_json: bool, status: int, **context):
    if wants_json:
        if context.get("error"):
            return JsonResponse({"error": context["error"]}, status=status)
        return JsonResponse({"markdown": context["markdown"], "url": context["url"]})
    context.setdefault("form", ImageUploadForm())
    return render(request, "forums/image_upload.html", context, status=status)


@csrf_exempt  # checked below, after the size: Django's CSRF check would read the body
@login_required
@require_http_methods(["GET", "POST"])
def image_upload(request):
    """Upload an image for a post and answer the Markdown that shows it: JSON for the
    composer's script (Accept: application/json), a page to copy it from otherwise."""
    wants_json = request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    # Refused from the header, before anything reads the file from the socket (the request
    # body is never read past Content-Length, so a lying header only truncates the file).
    # RFC 9110 allows digits only: "abc", "-1" or "1e9" is a broken client, answered 400.
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not (declared.isascii() and declared.isdigit()):
        return _upload_answer(
            request,
            wants_json=wants_json,
            status=400,
            error="The upload arrived without a valid size (its Content-Length header is not "
            "a number of bytes). Please try again from the upload form.",
        )
    # More than 12 digits is past any limit, and int() refuses strings over 4,300 digits.
    if len(declared) > 12 or int(declared) > UPLOAD_REQUEST_MAX_BYTES:
        return _upload_answer(
            request,
            wants_json=wants_json,
            status=413,
            error="The image is larger than 10 MB. Make it smaller (or take a screenshot of "
            "the part that matters) and try again.",
        )
    return _image_upload(request, wants_json=wants_json)


@csrf_protect
def _image_upload(request, *, wants_json: bool):
    if request.method == "GET":
        return _upload_answer(request, wants_json=False, status=200)
    form = ImageUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        error = " ".join(error for errors in form.errors.values() for error in errors)
        return _upload_answer(request, wants_json=wants_json, status=400, error=error, form=form)
    try:
        image = post_image_create(uploader=request.user, upload=form.cleaned_data["image"])
    except PermissionDenied as exc:
        return _upload_answer(request, wants_json=wants_json, status=403, error=str(exc))
    except RateLimited as exc:
        response = _upload_answer(request, wants_json=wants_json, status=429, error=exc.message)
        return _with_retry_after(response, exc.retry_after)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        return _upload_answer(request, wants_json=wants_json, status=400, error=error, form=form)
    markdown = image_markdown(image=image, alt=form.cleaned_data["alt"])
    return _upload_answer(
        request, wants_json=wants_json, status=200, markdown=markdown, url=image.image.url
    )
