"""{% watch_controls target %}: the watch menu for a topic, category or tag (one query).

Shows the three levels as buttons (the current one pressed), a way back to the default
when the member chose a level here, and what applies when they did not (inherited from
the category, its parent or a tag, by forums.services.watching's rule). Nothing for
visitors or sign-ups still awaiting approval."""

from __future__ import annotations

from django import template
from django.db.models import Q

from forums.models import Category, Tag, Topic, Watch, WatchLevel
from forums.selectors.topic import WatchRow
from members.permissions import is_community_member

register = template.Library()

SHORT_LABELS = {
    WatchLevel.EVERY_POST: "Watching",
    WatchLevel.MENTIONS: "Normal",
    WatchLevel.MUTED: "Muted",
}
EXPLANATIONS = {
    WatchLevel.EVERY_POST: "every new post notifies you",
    WatchLevel.MENTIONS: "you hear of mentions and replies to you",
    WatchLevel.MUTED: "nothing here notifies you, not even mentions",
}


def target_kind(target) -> str | None:
    if isinstance(target, Topic):
        return "topic"
    if isinstance(target, Category):
        return "category"
    if isinstance(target, Tag):
        return "tag"
    return None


def _relevant_watches(target, kind: str) -> Q:
    if kind == "topic":
        category = target.category
        category_ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
        tag_ids = Topic.tags.through.objects.filter(topic_id=target.pk).values("tag_id")
        return Q(topic_id=target.pk) | Q(category_id__in=category_ids) | Q(tag_id__in=tag_ids)
    if kind == "category":
        return Q(category_id=target.pk) | (
            Q(category_id=target.parent_id) if target.parent_id else Q(pk__in=[])
        )
    return Q(tag_id=target.pk)


def watch_controls_context(user, target, rows: list[WatchRow] | None = None) -> dict:
    """What _watch_controls.html needs for `user` and `target`; {"show": False} for
    visitors and anything that is not a topic, category or tag. One query."""
    kind = target_kind(target)
    if kind is None or not is_community_member(user):
        return {"show": False}
    watches = rows
    if watches is None:
        watches = [
            WatchRow(*row)
            for row in Watch.objects.filter(user=user)
            .filter(_relevant_watches(target, kind))
            .values_list(
                "level", "topic_id", "category_id", "tag_id", "category__name", "tag__name"
            )
        ]
    explicit = None
    inherited: tuple[int, str] | None = None
    tag_watches = []
    for watch in watches:
        if getattr(watch, f"{kind}_id") == target.pk:
            explicit = watch.level
        elif watch.tag_id is not None:
            tag_watches.append(watch)
    if kind == "topic" and tag_watches:
        strongest = max(tag_watches, key=lambda watch: watch.level)
        inherited = (strongest.level, f"the tag “{strongest.tag_name}”")
    elif kind in ("topic", "category"):
        category = target.category if kind == "topic" else target
        candidates = [category.pk] if kind == "topic" else []
        if category.parent_id:
            candidates.append(category.parent_id)
        by_category = {watch.category_id: watch for watch in watches if watch.category_id}
        for category_id in candidates:
            if category_id in by_category:
                watch = by_category[category_id]
                inherited = (watch.level, f"the category “{watch.category_name}”")
                break
    applying = explicit if explicit is not None else (inherited[0] if inherited else None)
    applying = WatchLevel(applying if applying is not None else WatchLevel.MENTIONS)
    choices = [
        {
            "value": int(level),
            "label": SHORT_LABELS[level],
            "description": level.label,
            "current": explicit is not None and explicit == level,
        }
        for level in (WatchLevel.EVERY_POST, WatchLevel.MENTIONS, WatchLevel.MUTED)
    ]
    if explicit is not None:
        source = f"{SHORT_LABELS[applying]} for this {kind}"
    elif inherited is not None:
        source = f"{SHORT_LABELS[applying]}, from {inherited[1]}"
    else:
        source = "Normal (the default)"
    return {
        "show": True,
        "kind": kind,
        "target": target,
        "explicit": explicit,
        "choices": choices,
        "state": f"{source}: {EXPLANATIONS[applying]}.",
    }


@register.inclusion_tag("forums/_watch_controls.html", takes_context=True)
def watch_controls(context, target, rows=None):
    """`rows`: the member's relevant watches when the page has them already (the topic
    page: forums.selectors.topic.viewer_state); else one query."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return {"show": False}
    return {"request": request, **watch_controls_context(user, target, rows)}
