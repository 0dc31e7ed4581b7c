"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404("Not built yet.")


def topic_moderate(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_flag(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_moderate(request, *args, **kwargs):
    raise Http404("Not built yet.")
