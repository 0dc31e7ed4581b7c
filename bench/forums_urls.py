"""Hearth's URLs plus the benchmark's ceiling: a bare Django page (a constant HttpResponse,
no template, no query) served through Hearth's full middleware stack, sessions and all. What
a forum page cannot beat on this machine; the issue's targets are shares of it."""

from django.http import HttpResponse
from django.urls import path

from community.urls import urlpatterns as hearth_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), *hearth_urlpatterns]
