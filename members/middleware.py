from django.contrib.auth import BACKEND_SESSION_KEY

from members.services.visits import member_visit_record


class MemberVisitMiddleware:
    """Records that a signed-in member was active today (metrics' DAU/WAU/MAU, trust levels,
    "last seen"). Runs after the response so a slow cache never delays the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and response.status_code < 400:
            member_visit_record(user_id=user.pk)
        return response


# Sessions signed in before Hearth's own backends (members.backends) name Django's or allauth's.
LEGACY_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "members.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "members.backends.AuthenticationBackend",
}


class SessionBackendUpgradeMiddleware:
    """Django loads a session's member only through a backend still listed in the settings,
    so sessions naming the backends Hearth used before would be signed out. They are pointed
    at the equivalent backend, once, before authentication reads them. Placed after the
    session middleware and before AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            backend = session.get(BACKEND_SESSION_KEY)
            if backend in LEGACY_BACKENDS:
                session[BACKEND_SESSION_KEY] = LEGACY_BACKENDS[backend]
        return self.get_response(request)
