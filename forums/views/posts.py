"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def post_open(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_react(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_accept(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_edit(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_delete(request, *args, **kwargs):
    raise Http404("Not built yet.")


def post_revisions(request, *args, **kwargs):
    raise Http404("Not built yet.")
