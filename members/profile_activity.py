"""The "Activity" card of a profile: sections contributed by the apps that hold a member's
content (forums' topics and replies, later the library). Members must not import those
apps (dependencies point the other way), so they register a provider from their
AppConfig.ready(). Each provider decides what `viewer` may see: a private category's topic
never shows on the profile of its author to someone outside the group."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from members.models import User


@dataclass(frozen=True)
class ActivitySection:
    title: str
    template: str  # rendered with `section` in its context
    items: list[Any] = field(default_factory=list)
    empty_text: str = ""


ActivityProvider = Callable[[User, Any], Iterable[ActivitySection]]

ACTIVITY_PROVIDERS: list[ActivityProvider] = []


def activity_provider(func: ActivityProvider) -> ActivityProvider:
    """Register a provider (idempotent, so a re-imported module does not show twice)."""
    if func not in ACTIVITY_PROVIDERS:
        ACTIVITY_PROVIDERS.append(func)
    return func


def activity_sections_for(*, member: User, viewer) -> list[ActivitySection]:
    return [section for provider in ACTIVITY_PROVIDERS for section in provider(member, viewer)]


# What decides a provider's sections for a viewer, beyond the member: a function of the
# viewer returning a cache key part (the forums: the categories they see and the topics'
# version). Profiles shared between viewers (members.page_cache) carry every one in their
# key, so a section is never shown to someone its provider would have shown otherwise.
ActivityKey = Callable[[Any], str]

ACTIVITY_KEYS: list[ActivityKey] = []


def activity_key(func: ActivityKey) -> ActivityKey:
    """Register what decides a provider's sections for a viewer (idempotent)."""
    if func not in ACTIVITY_KEYS:
        ACTIVITY_KEYS.append(func)
    return func


def activity_cache_key(viewer) -> str:
    return ":".join(key(viewer) for key in ACTIVITY_KEYS) or "-"
