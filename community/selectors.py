from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from community.models import BRANDING_ID, FooterLink, SiteBranding
from community.per_request import cache_get_many_prefetched, per_request
from community.validators import validate_link_url

# One entry for every release, holding plain values only (no class of this code is pickled):
# a save must reach the processes of an older release still running in a rolling deploy. An
# entry another release wrote in another shape is simply computed again.
BRANDING_CACHE_KEY = "community:branding:v4"
BRANDING_CACHE_SECONDS = 24 * 60 * 60  # busted on every save; the timeout is only a backstop


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Branding:
    """A plain snapshot of SiteBranding: cheap to cache and safe to hand to templates."""

    community_name: str
    tagline: str
    purpose: str
    welcome_html: str
    logo_url: str
    primary_color: str
    accent_color: str
    members_only: bool
    directory_public: bool
    approve_new_members: bool
    version: str
    time_zone: str = settings.TIME_ZONE
    footer_links: tuple[Link, ...] = field(default_factory=tuple)


@lru_cache(maxsize=512)  # a pure function of the URL in this release: checked once per process
def _link_is_safe(url: str) -> bool:
    # Links saved before the admin checked them as it does now are left off every page.
    try:
        validate_link_url(url)
    except ValidationError:
        return False
    return True


def _snapshot_values(branding: SiteBranding, links: list[FooterLink]) -> dict:
    return {
        "community_name": branding.community_name,
        "tagline": branding.tagline,
        "purpose": branding.purpose,
        "welcome_html": branding.welcome_html,
        "logo_url": branding.logo.url if branding.logo else "",
        "primary_color": branding.primary_color,
        "accent_color": branding.accent_color,
        "members_only": branding.members_only,
        "directory_public": branding.directory_public,
        "approve_new_members": branding.approve_new_members,
        "time_zone": branding.time_zone,
        "version": f"{branding.updated_at:%Y%m%d%H%M%S%f}" if branding.updated_at else "0",
        "footer_links": [(link.label, link.url) for link in links],
    }


def _branding_from(values: dict) -> Branding:
    # Links are checked as they are read, so a stricter check in a new release applies to
    # links saved (and cached) before it.
    links = tuple(Link(label, url) for label, url in values["footer_links"] if _link_is_safe(url))
    return Branding(**{**values, "footer_links": links})


def branding_get() -> Branding:
    """The current branding, from the cache (one cache read per request, no query)."""
    return per_request(BRANDING_CACHE_KEY, _branding_cached)


def _branding_cached() -> Branding:
    values = cache_get_many_prefetched([BRANDING_CACHE_KEY]).get(BRANDING_CACHE_KEY)
    if values is not None:
        try:
            return _branding_from(values)
        except (TypeError, KeyError, ValueError):
            pass  # written by a release whose snapshot had another shape
    row = SiteBranding.objects.filter(pk=BRANDING_ID).first() or SiteBranding(pk=BRANDING_ID)
    links = [] if row._state.adding else list(row.footer_links.all())
    values = _snapshot_values(row, links)
    cache.set(BRANDING_CACHE_KEY, values, BRANDING_CACHE_SECONDS)
    return _branding_from(values)
