from django.utils.functional import SimpleLazyObject

from community.notifications import UnreadBadge, unread_count_for
from community.selectors import branding_get


def branding(request):
    return {"branding": getattr(request, "branding", None) or branding_get()}


def notifications(request):
    """The bell's unread badge. Lazy: the cache is read only when a template shows the bell
    (signed-in members), so visitors, redirects and JSON views never pay for it."""

    def badge() -> UnreadBadge:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return UnreadBadge(count=0)
        return UnreadBadge(count=unread_count_for(user_id=user.pk))

    return {"notification_badge": SimpleLazyObject(badge)}
