from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

from community.per_request import cache_prefetch, member_prefetch
from community.selectors import BRANDING_CACHE_KEY, branding_get
from community.timezones import community_timezone

# What a visitor may reach on a members-only community: the ways in, and the files the
# sign-in page itself needs.
PUBLIC_PATH_PREFIXES = (
    "/accounts/",
    "/healthz",
    "/brand.css",
    "/favicon.ico",
    # A signed invitation link shows its (one) group to the person invited before sign-up.
    "/groups/invitations/",
    # The KPI API answers scripts that sign in with a token, not a session; the view itself
    # refuses everyone without the dashboard permission.
    "/dashboard/api/",
)


class MembersOnlyMiddleware:
    """When the branding's members-only switch is on, every page except the auth pages
    redirects visitors to sign in. Private content is still guarded by each view's own
    permission checks; this is the outer door."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.public_prefixes = (
            *PUBLIC_PATH_PREFIXES,
            settings.STATIC_URL,
            f"{settings.MEDIA_URL}branding/",
        )

    def __call__(self, request):
        request.branding = branding_get()
        if (
            request.branding.members_only
            and not request.user.is_authenticated
            and not request.path.startswith(self.public_prefixes)
        ):
            return redirect_to_login(request.get_full_path())
        # The rest of the request runs in the community's time zone (community.timezones).
        with timezone.override(community_timezone()):
            return self.get_response(request)


class CommonReadsMiddleware:
    """Fetches what nearly every page reads from the cache in one round trip: the branding
    and, when the browser has a session, the session (community.sessions). Placed right
    after SessionMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        keys = [BRANDING_CACHE_KEY]
        session = getattr(request, "session", None)
        if session is not None and session.session_key and hasattr(session, "cache_key"):
            keys.append(session.cache_key)
        cache_prefetch(keys)
        if session is not None and session.session_key:
            # The member the session names (before authentication checks it: an entry read
            # for someone who turns out not to be signed in is simply not used).
            user_id = session.get(SESSION_KEY)
            if user_id is not None and str(user_id).isdigit():
                member_prefetch(int(user_id))
        return self.get_response(request)
