import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from community.selectors import branding_get
from members.permissions import is_community_member
from members.selectors.reciprocity import supporters_to_thank

logger = logging.getLogger(__name__)


# The home page is where the apps meet (DESIGN.md): it may read from every app.
HOME_SUPPORTERS_LIMIT = 5


@require_safe
def home(request):
    context = {"show_supporters": is_community_member(request.user), "supporters": []}
    if context["show_supporters"]:
        context["supporters"] = supporters_to_thank(
            member=request.user, limit=HOME_SUPPORTERS_LIMIT
        )
    return render(request, "community/home.html", context)


@require_safe
@cache_control(public=True, max_age=365 * 24 * 60 * 60, immutable=True)
def brand_css(request):
    """The branding colours as CSS custom properties. The URL carries the branding version,
    so browsers cache it for a year and still see a change at once; a file rather than an
    inline <style> keeps the Content-Security-Policy free of 'unsafe-inline' scripts."""
    css = render_to_string("community/brand.css", {"branding": branding_get()})
    return HttpResponse(css, content_type="text/css; charset=utf-8")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


@require_safe
@never_cache
def healthz(request):
    """200 when every configured dependency answers, 503 (naming the failure) otherwise."""
    checks, healthy = {}, True
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports every failure, whatever its type
            logger.warning("healthz: %s check failed: %s", name, exc)
            checks[name] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
