"""'Did this answer your question?': the prompt forums and library pages show, and where its
buttons post. htmx swaps the prompt for a thank-you in place; without JavaScript the form
posts and the reader is sent back to the page with a message.

CSRF: a visitor's topic page is shared by every visitor and carries no token (nor sets a
cookie: docs/decisions.md), so the prompt it shows cannot carry one either. Members' forms
carry their token and are checked as usual. A visitor's answer is accepted without a token
when the browser says it comes from this site (Origin, or Sec-Fetch-Site): a forged
cross-site click could only add an answer that anyone may add, and is refused anyway by the
browsers that send those headers; the rate limit bounds the rest."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from community.exceptions import ApplicationError
from community.ratelimit import RateLimited, client_key
from forums.models import Topic
from forums.permissions import TOPIC_NOT_FOUND, access_topic
from library.models import Resource
from library.permissions import access_resource
from metrics.feedback import answer_record, member_voter, prompt_refusal, visitor_voter

ANSWERS = {"yes": True, "no": False}
BAD_ANSWER = "Choose Yes or No."
THANKS = "Thanks for telling us: it helps the community see which answers work."
# The largest key PostgreSQL's bigint holds: a longer id is a missing topic, not a 500.
MAX_ID = 2**63 - 1


def _same_site(request) -> bool:
    origin = request.headers.get("Origin")
    if origin:
        return origin == f"{request.scheme}://{request.get_host()}" or origin in getattr(
            settings, "CSRF_TRUSTED_ORIGINS", ()
        )
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def _visitor_csrf(view):
    """Django's CSRF check for members; for visitors, the same-site check above."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def checked(request, *args, **kwargs):
        if request.user.is_authenticated:
            return protected(request, *args, **kwargs)
        if not _same_site(request):
            raise PermissionDenied("Answers come from this site's own pages.")
        return view(request, *args, **kwargs)

    return checked


# --- The prompt, as pages show it ---------------------------------------------------------


def _prompt_html(request, *, action: str, lead: str = "", lead_url: str = "") -> SafeString:
    """The same for every visitor (no token, nothing of theirs); a member's carries their
    CSRF token."""
    token = get_token(request) if request.user.is_authenticated else ""
    return mark_safe(  # noqa: S308 - rendered through the template's escaping
        render_to_string(
            "metrics/_answer_prompt.html",
            {"action": action, "csrf_token": token, "lead": lead, "lead_url": lead_url},
        )
    )


def topic_prompt_html(request, topic: Topic) -> str:
    if prompt_refusal(topic):
        return ""
    return _prompt_html(
        request,
        action=reverse("answers:topic", args=[topic.pk]),
        lead="This question has an accepted answer.",
        lead_url=reverse("forums:post-open", args=[topic.accepted_answer_id]),
    )


def resource_prompt_html(request, resource: Resource) -> str:
    return _prompt_html(request, action=reverse("answers:resource", args=[resource.slug]))


# --- Where the buttons post ---------------------------------------------------------------


def _voter(request) -> str:
    if request.user.is_authenticated:
        return member_voter(request.user.pk)
    if request.session.session_key is None:
        request.session.save()  # the visitor's session starts with their first answer
    return visitor_voter(request.session.session_key)


def _answered(request, *, back: str, message: str = "", status: int = 200, retry_after=None):
    if request.htmx:
        # htmx swaps only 2xx and 429 (base.html): a refusal replaces the prompt too.
        response = render(
            request,
            "metrics/_answer_thanks.html",
            {"message": message, "error": status != 200},
            status=429 if status == 429 else 200,
        )
    elif status == 200:
        messages.success(request, THANKS)
        response = redirect(f"{back}#answer-prompt")
    else:
        response = render(
            request,
            "metrics/answer_refused.html",
            {"message": message, "back": back},
            status=status,
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _answer(request, *, back: str, **item):
    answer = ANSWERS.get(request.POST.get("answer", ""))
    if answer is None:
        return _answered(request, back=back, message=BAD_ANSWER, status=400)
    try:
        answer_record(
            answered=answer,
            voter=_voter(request),
            member=request.user,
            limit_key=client_key(request),
            **item,
        )
    except RateLimited as exc:
        return _answered(
            request, back=back, message=exc.message, status=429, retry_after=exc.retry_after
        )
    except ApplicationError as exc:
        return _answered(request, back=back, message=exc.message, status=409)
    return _answered(request, back=back, message=THANKS)


@require_POST
@_visitor_csrf
def topic_answer(request, pk: int):
    if pk > MAX_ID:
        raise Http404(TOPIC_NOT_FOUND)
    topic = access_topic(request.user, pk=pk)  # 404 for a topic they may not see
    return _answer(request, back=topic.get_absolute_url(), topic=topic)


@require_POST
@_visitor_csrf
def resource_answer(request, slug: str):
    resource = access_resource(request.user, slug=slug)
    return _answer(request, back=resource.get_absolute_url(), resource=resource)
