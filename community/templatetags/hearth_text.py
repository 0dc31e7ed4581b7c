"""Text filters shared by the apps' templates.

{{ post.html|plain_text }}: rendered HTML as the words a reader sees (community.markdown
.html_to_text), for snippets that must not show Markdown syntax. Autoescaped like any text.

{{ when|ago }}: "just now" under a minute, else "5 minutes ago" (timesince alone would say
"0 minutes")."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from community.markdown import html_to_text

register = template.Library()

JUST_NOW = timedelta(minutes=1)


@register.filter
def plain_text(html: str) -> str:
    return html_to_text(html)


@register.filter
def ago(value: datetime | None) -> str:
    if not value:
        return ""
    if timezone.now() - value < JUST_NOW:
        return "just now"
    return f"{timesince(value)} ago"
