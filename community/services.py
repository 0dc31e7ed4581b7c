from django.core.cache import cache
from django.db import transaction

from community.markdown import render_markdown
from community.models import SiteBranding
from community.per_request import per_request_forget
from community.selectors import BRANDING_CACHE_KEY


def branding_cache_clear() -> None:
    cache.delete(BRANDING_CACHE_KEY)
    per_request_forget()


@transaction.atomic
def branding_update(*, branding: SiteBranding, **changes) -> SiteBranding:
    """Apply `changes` to the branding row, validate, render the welcome Markdown, save.

    Every web process sees the change on its next request: the cached snapshot is dropped
    once the transaction commits."""
    for name, value in changes.items():
        setattr(branding, name, value)
    branding.full_clean()
    branding.welcome_html = render_markdown(branding.welcome_text)
    branding.save()
    transaction.on_commit(branding_cache_clear)
    return branding
