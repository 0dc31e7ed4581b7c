"""The reply composer restores the member's draft itself: the topic page's view belongs to
another part of the forum, and the draft is one indexed lookup (no query for visitors)."""

from django import template

from forums.services.drafts import draft_get

register = template.Library()


@register.simple_tag(takes_context=True)
def reply_draft(context, topic, has_draft=None):
    """`has_draft`: False when the page already knows there is none (no query then)."""
    user = context.get("user")
    if user is None or not user.is_authenticated or has_draft is False:
        return None
    return draft_get(user=user, topic=topic)
