"""Links the dashboard's header offers to pages of apps above metrics (the 90-day plans),
which metrics may not import: those apps register them in their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class DashboardLink:
    label: str
    url_name: str
    visible: Callable[[object], bool]  # (user) -> shown to this reader


_LINKS: list[DashboardLink] = []


def dashboard_link_register(link: DashboardLink) -> None:
    if all(existing.url_name != link.url_name for existing in _LINKS):
        _LINKS.append(link)


def dashboard_links_for(user) -> list[tuple[str, str]]:
    """(label, url) of the registered links this reader may follow."""
    return [(link.label, reverse(link.url_name)) for link in _LINKS if link.visible(user)]
