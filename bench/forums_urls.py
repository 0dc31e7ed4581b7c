"""Hearth's URLs plus the benchmark's reference pages, served through Hearth's full
middleware stack, sessions and all:

- the ceiling, /bench/bare: a constant HttpResponse, no template, no query. What a forum page
  cannot beat on this machine; the speed targets are shares of it.
- floors, what any topic page must at least do, to tell design from machine:
  /bench/floor/cached, a 24 KB page (a visitor's topic page) read from the cache;
  /bench/floor/cached-orm, the same after one ORM query (the topic with its category, as the
  topic page fetches it);
  /bench/floor/cached-sql, the same after that row read with plain SQL.
"""

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from community.urls import urlpatterns as hearth_urlpatterns
from forums.models import Topic

FLOOR_PAGE_KEY = "bench:floor-page"


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def _floor_page() -> str:
    html = cache.get(FLOOR_PAGE_KEY)
    if html is None:
        html = "<p>" + "x" * 24_000 + "</p>"
        cache.set(FLOOR_PAGE_KEY, html, None)
    return html


def floor_cached(request):
    return HttpResponse(_floor_page())


def floor_cached_orm(request):
    Topic.objects.select_related("category").filter(pk=request.GET.get("pk", 1)).first()
    return HttpResponse(_floor_page())


def floor_cached_sql(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM forums_topic WHERE id = %s", [request.GET.get("pk", 1)])
        cursor.fetchone()
    return HttpResponse(_floor_page())


urlpatterns = [
    path("bench/bare", bare),
    path("bench/floor/cached", floor_cached),
    path("bench/floor/cached-orm", floor_cached_orm),
    path("bench/floor/cached-sql", floor_cached_sql),
    *hearth_urlpatterns,
]
