"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def watch_set(request, *args, **kwargs):
    raise Http404("Not built yet.")
