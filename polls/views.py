"""Poll pages. Voting works as a plain form POST followed by a redirect; with htmx the
poll box (form and results) is swapped in place. A poll the viewer may not see answers 404
exactly like a missing id."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from forums.permissions import access_topic
from members.permissions import visible_groups
from polls.forms import PollCreateForm, VoteForm
from polls.permissions import access_poll, poll_create_refusal
from polls.selectors import poll_list_for, poll_page
from polls.services import (
    ALREADY_VOTED,
    poll_close,
    poll_create,
    poll_reopen,
    vote_cast,
    vote_change,
)

POLLS_PER_PAGE = 30


@require_safe
def poll_list(request):
    page = Paginator(poll_list_for(viewer=request.user), POLLS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "polls/poll_list.html", {"page_obj": page, "polls": page.object_list})


def _vote_form(page, data=None) -> VoteForm:
    return VoteForm(data, poll=page.poll, options=page.options, initial_choices=page.my_choices)


def box_context(page, form=None, error: str = "", next_url: str = "") -> dict:
    """The poll box's context. `next_url`: the page the box sits on (its topic's), where a
    vote without JavaScript returns."""
    return {
        "page": page,
        "poll": page.poll,
        "form": form or _vote_form(page),
        "error": error,
        "next": next_url,
        "in_topic": bool(next_url),
    }


def _safe_next(request) -> str:
    """The `next` the vote form sent, if it is a page of this site; else ""."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(poll, next_url: str):
    if next_url:
        return redirect(f"{next_url.split('#')[0]}#poll-{poll.pk}")
    return redirect(poll)


@require_safe
def poll_detail(request, pk: int):
    poll = access_poll(request.user, pk=pk)
    page = poll_page(poll=poll, viewer=request.user)
    return render(request, "polls/poll_detail.html", box_context(page))


@login_required
@require_POST
def poll_vote(request, pk: int):
    """POST the vote form; `change=1` replaces an earlier vote (public polls only). Without
    JavaScript a vote returns to `next` (the topic page the box is on) when it is a page of
    this site, else to the poll's page; with htmx the box is swapped in place."""
    poll = access_poll(request.user, pk=pk)
    next_url = _safe_next(request)
    page = poll_page(poll=poll, viewer=request.user)
    form = _vote_form(page, request.POST)
    error, status = "", 200
    if form.is_valid():
        service = vote_change if request.POST.get("change") and page.has_voted else vote_cast
        try:
            service(poll=poll, voter=request.user, **form.service_kwargs())
        except PermissionDenied as exc:
            error, status = str(exc) or "You can't vote in this poll.", 403
        except ValidationError as exc:
            if exc.messages == [ALREADY_VOTED] and not request.htmx:
                # A double submit: the first one counted; show the poll as it stands.
                messages.info(request, ALREADY_VOTED)
                return _back(poll, next_url)
            form.add_error(None, exc)
            status = 400
        else:
            if not request.htmx:
                messages.success(request, "Thanks, your vote is in.")
                return _back(poll, next_url)
            form = None
    else:
        status = 400
    # Read again: the vote (or a refusal's reason) changed what the box shows.
    poll = access_poll(request.user, pk=pk)
    page = poll_page(poll=poll, viewer=request.user)
    context = box_context(page, form, error, next_url=next_url)
    if request.htmx:
        # htmx swaps 2xx only (base.html's responseHandling): a refusal is shown in the box.
        return render(request, "polls/_poll_box.html", context)
    # The poll's own page shows what went wrong; its form still returns to `next`.
    return render(request, "polls/poll_detail.html", {**context, "in_topic": False}, status=status)


@login_required
@require_POST
def poll_close_view(request, pk: int):
    poll = access_poll(request.user, pk=pk)
    poll_close(poll=poll, actor=request.user)  # PermissionDenied -> 403 page
    messages.success(request, "The poll is closed.")
    return redirect(poll)


@login_required
@require_POST
def poll_reopen_view(request, pk: int):
    poll = access_poll(request.user, pk=pk)
    poll_reopen(poll=poll, actor=request.user)
    messages.success(request, "The poll is open again.")
    return redirect(poll)


@login_required
@require_http_methods(["GET", "POST"])
def poll_create_view(request, topic_id: int):
    topic = access_topic(request.user, pk=topic_id)
    refusal = poll_create_refusal(request.user, topic)
    if refusal:
        raise PermissionDenied(refusal)
    groups = Group.objects.filter(pk__in=visible_groups(request.user).values("group_id")).order_by(
        "name"
    )
    form = PollCreateForm(request.POST or None, groups=groups)
    if request.method == "POST" and form.is_valid():
        try:
            poll = poll_create(topic=topic, author=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Your poll is up.")
            return redirect(f"{topic.get_absolute_url()}#poll-{poll.pk}")
    # ?new=1: the author ticked "Add a poll after posting" on the new-topic form.
    just_posted = request.method == "GET" and request.GET.get("new") == "1"
    return render(
        request,
        "polls/poll_create.html",
        {"form": form, "topic": topic, "just_posted": just_posted},
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
