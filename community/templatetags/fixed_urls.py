"""{% fixed_url "name" %}: {% url "name" %} for URLs that take no arguments, reversed once per
process. The site header reverses about fifteen of them on every page, and reverse() is
not free (a topic page spent more on it than on its own post list)."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=256)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def fixed_url(name: str) -> str:
    return _reversed(name, get_script_prefix(), get_urlconf())
