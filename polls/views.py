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


def _box_context(page, form=None, error: str = "") -> dict:
    return {"page": page, "poll": page.poll, "form": form or _vote_form(page), "error": error}


@require_safe
def poll_detail(request, pk: int):
    poll = access_poll(request.user, pk=pk)
    page = poll_page(poll=poll, viewer=request.user)
    return render(request, "polls/poll_detail.html", _box_context(page))


@login_required
@require_POST
def poll_vote(request, pk: int):
    """POST the vote form; `change=1` replaces an earlier vote (public polls only)."""
    poll = access_poll(request.user, pk=pk)
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
                return redirect(poll)
            form.add_error(None, exc)
            status = 400
        else:
            if not request.htmx:
                messages.success(request, "Thanks, your vote is in.")
                return redirect(poll)
            form = None
    else:
        status = 400
    page = poll_page(poll=poll, viewer=request.user)
    context = _box_context(page, form, error)
    if request.htmx:
        # htmx swaps 2xx only (base.html's responseHandling): a refusal is shown in the box.
        return render(request, "polls/_poll_box.html", context)
    return render(request, "polls/poll_detail.html", context, status=status)


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
            return redirect(poll)
    return render(request, "polls/poll_create.html", {"form": form, "topic": topic})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
