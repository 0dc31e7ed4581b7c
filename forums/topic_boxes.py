"""Boxes that apps above forums show on a topic's page (polls: the topic's poll), and what
they offer where a topic has none yet ("Add a poll"). Forums must not import those apps
(dependencies point the other way), so they register a TopicBox from their
AppConfig.ready(), as members' group sections and data exporters do.

The topic page is shared between viewers (forums.page_cache). Whether a topic has a box is
asked once per topic version and kept with the page's facts, so a topic without one costs
nothing more than before; the app's services touch the topic (forums.services.posts.
topic_touch) whenever a box appears or goes. The frame leaves a "boxes" hole, and each
request fills it with `render(request, topic)`: the box as that viewer sees it. What is
the same for every viewer (a visitor's box) is the app's own to cache, under a version its
services replace whenever the box changes, since a box may change without its topic doing
so (a vote)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from forums.models import Topic


@dataclass(frozen=True)
class TopicBox:
    name: str
    # Whether `topic` has such a box: one cheap query, asked once per topic version.
    present: Callable[[Topic], bool]
    # The box as `request.user` sees it (HTML), for a topic that has one and that they see.
    render: Callable[[HttpRequest, Topic], str]
    # For a signed-in viewer of a topic without such a box: a link to add one, or "".
    offer: Callable[[HttpRequest, Topic, bool], str] | None = None  # (request, topic, moderates)
    # The new-topic form's checkbox ("Add a poll after posting") and where it leads once
    # the topic is made.
    follow_up_label: str = ""
    follow_up_url: Callable[[Topic], str] | None = None


TOPIC_BOXES: dict[str, TopicBox] = {}


def topic_box_register(box: TopicBox) -> TopicBox:
    """Register `box` (idempotent: registering the same name again replaces it)."""
    TOPIC_BOXES[box.name] = box
    return box


def boxes_present(topic: Topic) -> tuple[str, ...]:
    """The names of the boxes `topic` has (a query per registered box)."""
    return tuple(name for name, box in TOPIC_BOXES.items() if box.present(topic))


def boxes_offering(present: Iterable[str]) -> tuple[str, ...]:
    """The boxes a topic with `present` lacks and that offer to add one (no queries)."""
    present = set(present)
    return tuple(
        name for name, box in TOPIC_BOXES.items() if box.offer is not None and name not in present
    )


def boxes_html(request: HttpRequest, topic: Topic, names: Iterable[str]) -> SafeString:
    """The boxes `names` of `topic` as `request.user` sees them."""
    parts = [TOPIC_BOXES[name].render(request, topic) for name in names if name in TOPIC_BOXES]
    return mark_safe("".join(parts))  # noqa: S308 - each box renders through its templates


def offers_html(
    request: HttpRequest, topic: Topic, names: Iterable[str], *, moderates: bool
) -> SafeString:
    """What the boxes `names` (absent from `topic`) offer `request.user`."""
    parts = [
        TOPIC_BOXES[name].offer(request, topic, moderates)
        for name in names
        if name in TOPIC_BOXES and TOPIC_BOXES[name].offer is not None
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each offer renders through its templates


def follow_ups() -> list[TopicBox]:
    """The boxes the new-topic form offers to add right after posting."""
    return [box for box in TOPIC_BOXES.values() if box.follow_up_label and box.follow_up_url]


def follow_up_field(box: TopicBox) -> str:
    return f"then_add_{box.name}"
