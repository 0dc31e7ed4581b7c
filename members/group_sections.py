"""Sections of a group's page contributed by other apps (forums: the private categories the
group opens). Members must not import those apps (dependencies point the other way), so
they register a provider from their AppConfig.ready(), as for a profile's activity
(members.profile_activity). Each provider decides what `viewer` may see and returns no
section when there is nothing to show: a group's private category is named only to those
who may read it."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from members.models import GroupProfile


@dataclass(frozen=True)
class GroupSection:
    title: str
    template: str  # rendered with `section` in its context
    items: list[Any] = field(default_factory=list)


GroupSectionProvider = Callable[[GroupProfile, Any], Iterable[GroupSection]]

GROUP_SECTION_PROVIDERS: list[GroupSectionProvider] = []


def group_section_provider(func: GroupSectionProvider) -> GroupSectionProvider:
    """Register a provider (idempotent, so a re-imported module does not show twice)."""
    if func not in GROUP_SECTION_PROVIDERS:
        GROUP_SECTION_PROVIDERS.append(func)
    return func


def group_sections_for(*, group_profile: GroupProfile, viewer) -> list[GroupSection]:
    return [
        section
        for provider in GROUP_SECTION_PROVIDERS
        for section in provider(group_profile, viewer)
    ]
