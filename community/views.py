import logging
import sys

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST, require_safe

from community.notifications import (
    is_local_path,
    notification_get_for,
    notification_list_for,
    notifications_mark_read,
)
from community.selectors import branding_get

logger = logging.getLogger(__name__)


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


# --- Error pages ----------------------------------------------------------------------------
# Rendered from templates/_error_page.html without context processors or the page cache: a
# failure of the database, the cache or the session store may be why they are shown.

DATABASE_RETRY_SECONDS = 5


def _branding_if_reachable():
    try:
        return branding_get()
    except (DatabaseError, redis.RedisError):  # the page that says so must not fail too
        return None


def _signed_in_if_known(request) -> bool | None:
    """Whether the visitor is signed in, or None when that cannot be read (the session or
    the user row is what failed)."""
    user = getattr(request, "user", None)
    if user is None:
        return None
    try:
        return bool(user.is_authenticated)
    except (DatabaseError, redis.RedisError):
        return None


def error_page_context(request, *, database_reachable: bool = True) -> dict:
    """The context every error page gets: branding (from the cache when the database is
    down) and the ways back (home, search, sign in). With `database_reachable` False the
    session and the user row are left alone."""
    return {
        "branding": _branding_if_reachable(),
        "signed_in": _signed_in_if_known(request) if database_reachable else None,
        "home_url": reverse("home"),
        "search_url": reverse("search:search"),
        "login_url": reverse("account_login"),
    }


def error_page(request, template: str, *, status: int, **extra) -> HttpResponse:
    context = {**error_page_context(request), **extra}
    return HttpResponse(render_to_string(template, context), status=status)


def page_not_found(request, exception=None):
    """handler404. The exception's message is for the log, never for the page."""
    return error_page(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """handler403."""
    return error_page(request, "403.html", status=403)


def server_error(request):
    """The 500 page, and a 503 when the database could not be reached: persistent connections
    are not pinged before each request (docs/decisions.md), so after a database restart each
    worker's first request meets a closed connection; Django drops it and the next request
    reconnects. That request gets "try again in a moment", not an error report."""
    exception = sys.exc_info()[1]
    unavailable = isinstance(exception, (OperationalError, InterfaceError))
    context = error_page_context(request, database_reachable=not unavailable)
    context["retry_seconds"] = DATABASE_RETRY_SECONDS
    response = HttpResponse(
        render_to_string("503.html" if unavailable else "500.html", context),
        status=503 if unavailable else 500,
    )
    if unavailable:
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    return response


# --- Notifications ------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 30


def _notification_page(request, number):
    return Paginator(
        notification_list_for(recipient=request.user), NOTIFICATIONS_PER_PAGE
    ).get_page(number)


@login_required
@require_safe
def notification_list(request):
    page = _notification_page(request, request.GET.get("page"))
    return render(request, "community/notification_list.html", {"page": page})


@login_required
@require_safe
def notification_open(request, notification_id: int):
    """Mark one notification read and go where it points. A GET on purpose: it is the
    notification's plain link (open in a new tab, no JavaScript), and marking your own
    notification read is harmless if a page makes your browser fetch it. The stored URL is
    checked again here, so a bad row can never turn this into an open redirect."""
    notification = notification_get_for(recipient=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404("No such notification.")
    if notification.is_unread:
        notifications_mark_read(recipient=request.user, ids=[notification.pk])
    if is_local_path(notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")


def _ids_from(values: list[str]) -> list[int]:
    # Anything that is not a plain positive integer of a sane size is dropped, not a 500.
    return [
        int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19
    ]


@require_POST
def notifications_read(request):
    """Mark all (or, with `id` fields, some) of the member's notifications read. htmx gets
    the list back with the bell updated out of band; a plain form POST is redirected to the
    page it came from."""
    if not request.user.is_authenticated:
        # Back to the list after signing in, not to this POST-only address.
        return redirect_to_login(reverse("notifications:list"))
    ids = _ids_from(request.POST.getlist("id")) if "id" in request.POST else None
    notifications_mark_read(recipient=request.user, ids=ids)
    page_number = request.POST.get("page", "")
    if request.htmx:
        return render(
            request,
            "community/_notification_list.html",
            {"page": _notification_page(request, page_number), "bell_out_of_band": True},
        )
    target = reverse("notifications:list")
    if page_number.isascii() and page_number.isdigit() and page_number != "1":
        target = f"{target}?page={page_number}"
    return redirect(target)
