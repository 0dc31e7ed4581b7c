"""Placeholder views until their work lands; each answers 404."""

from django.http import Http404


def preview(request, *args, **kwargs):
    raise Http404("Not built yet.")


def draft_save(request, *args, **kwargs):
    raise Http404("Not built yet.")


def image_upload(request, *args, **kwargs):
    raise Http404("Not built yet.")
