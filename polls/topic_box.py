"""The poll on its topic's page (forums.topic_boxes), registered by PollsConfig.ready().

Forums asks once per topic version whether the topic has a poll, and leaves a hole for it
in the shared page; each request fills the hole here:

- a member gets their own box, rendered for them: whether they voted and what they chose
  are theirs alone. It costs one query (the poll with their ballot and voter groups), one
  more for a public poll's voter's own choices, and a cache round trip for what everybody
  shares (options, results, voters: polls.selectors.shared_poll);
- a visitor gets the box every visitor gets, kept whole in the cache under the poll's
  results version (polls.box_cache), which every vote replaces: the page around it may be
  cached for minutes, the poll box in it is never older than the last vote. It is kept no
  longer than until the poll closes by the clock, when what visitors may see changes.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from forums.topic_boxes import TopicBox
from polls.box_cache import ENTRY_SECONDS, shared_get, shared_set
from polls.models import Poll
from polls.permissions import poll_create_refusal
from polls.selectors import poll_page, topic_poll_for
from polls.views import box_context

VISITOR_BOX = "visitor-box"


def _present(topic) -> bool:
    return Poll.objects.filter(topic_id=topic.pk).exists()


def _render_for(request, topic, viewer) -> tuple[str, Poll | None]:
    poll = topic_poll_for(topic, viewer)
    if poll is None:  # deleted since the topic's facts were cached
        return "", None
    page = poll_page(poll=poll, viewer=viewer)
    context = box_context(page, next_url=topic.get_absolute_url())
    if request is None:
        return render_to_string("polls/_poll_box.html", {**context, "user": viewer}), poll
    return render_to_string("polls/_poll_box.html", context, request), poll


def _visitor_box(topic) -> str:
    # Per topic state too: locking, hiding or merging the topic changes what the box says.
    name = f"{VISITOR_BOX}:{topic.updated_at.timestamp()}"
    version, html = shared_get(topic.pk, name)
    if html is None:
        now = timezone.now()
        html, poll = _render_for(None, topic, AnonymousUser())
        seconds = ENTRY_SECONDS
        if poll is not None and poll.closes_at is not None and poll.closes_at > now:
            seconds = min(seconds, int((poll.closes_at - now).total_seconds()))
        shared_set(topic.pk, name, version, html, timeout=seconds)
    return html


def render_box(request, topic) -> str:
    if not request.user.is_authenticated:
        return _visitor_box(topic)
    return _render_for(request, topic, request.user)[0]


def offer(request, topic, moderates: bool) -> str:
    """ "Add a poll" for the topic's author and its moderators (no queries for the rest)."""
    user = request.user
    if topic.author_id != user.pk and not moderates:
        return ""
    if poll_create_refusal(user, topic) is not None:
        return ""
    return format_html(
        '<p class="topic-offers"><a class="button button--secondary" href="{}">Add a poll</a></p>',
        reverse("polls:poll-create", args=[topic.pk]),
    )


def follow_up_url(topic) -> str:
    return reverse("polls:poll-create", args=[topic.pk]) + "?new=1"


POLL_BOX = TopicBox(
    name="poll",
    present=_present,
    render=render_box,
    offer=offer,
    follow_up_label="Add a poll after posting",
    follow_up_url=follow_up_url,
)
