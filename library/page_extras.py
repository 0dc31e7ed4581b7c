"""Parts other apps add to a resource's page (metrics: "Did this answer your question?").
The library must not import those apps (dependencies point the other way), so they register
a provider from their AppConfig.ready(), as they do for forums' topic boxes.

A provider gets the request and the resource its viewer may see (the page checked it) and
returns HTML, or "" for nothing; it should run no query, since it runs on every view of
the page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from library.models import Resource

ResourceExtra = Callable[[HttpRequest, Resource], str]

RESOURCE_EXTRAS: list[ResourceExtra] = []


def resource_extra_register(provider: ResourceExtra) -> ResourceExtra:
    """Register `provider` (idempotent)."""
    if provider not in RESOURCE_EXTRAS:
        RESOURCE_EXTRAS.append(provider)
    return provider


def resource_extras_html(request: HttpRequest, resource: Resource) -> SafeString:
    parts = [provider(request, resource) for provider in RESOURCE_EXTRAS]
    return mark_safe("".join(parts))  # noqa: S308 - each provider renders through templates
