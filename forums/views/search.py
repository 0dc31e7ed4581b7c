"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def search(request, *args, **kwargs):
    raise Http404("Not built yet.")


def search_open(request, *args, **kwargs):
    raise Http404("Not built yet.")
