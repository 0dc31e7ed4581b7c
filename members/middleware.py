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
