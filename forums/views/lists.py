"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def unanswered(request, *args, **kwargs):
    raise Http404("Not built yet.")


def bookmark_list(request, *args, **kwargs):
    raise Http404("Not built yet.")


def tag_list(request, *args, **kwargs):
    raise Http404("Not built yet.")


def tag_detail(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_bookmark(request, *args, **kwargs):
    raise Http404("Not built yet.")
