"""Tags for the member pages that are rendered once and shared (members.page_cache).

{% local_time zone %}: the time now in a member's time zone, as "H:i". On a shared page it
writes a live hole instead, filled in for every request: the page is kept for a minute, the
clock must not be.

{% member_card card %}: a directory card. On a shared page it writes the card's hole: a
member whose own card is on the page gets it as they see it."""

from datetime import tzinfo
from zoneinfo import ZoneInfo

from django import template
from django.template.loader import get_template
from django.utils import timezone

from community.page_cache.holes import SHARED_CONTEXT_FLAG
from community.page_cache.splice import hole

register = template.Library()


@register.simple_tag(takes_context=True)
def local_time(context, zone) -> str:
    """`zone`: a ZoneInfo (Profile.time_zone) or its name."""
    if context.get(SHARED_CONTEXT_FLAG):
        return hole(f"localtime:{zone}")
    if not isinstance(zone, tzinfo):
        try:
            zone = ZoneInfo(str(zone))
        except (ValueError, KeyError, OSError):
            return ""
    return timezone.now().astimezone(zone).strftime("%H:%M")


@register.simple_tag(takes_context=True)
def member_card(context, card) -> str:
    if context.get(SHARED_CONTEXT_FLAG):
        return hole(f"card:{card.user.pk}")
    return get_template("members/_member_card.html").render({"card": card})
