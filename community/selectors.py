from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from community.models import BRANDING_ID, FooterLink, SiteBranding
from community.per_request import cache_get_many_prefetched, per_request
from community.validators import validate_link_url

# The snapshot is a class of this code: each release keeps its own (docs/deployment.md).
BRANDING_CACHE_KEY = f"community:branding:{settings.RELEASE_ID}"
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
    footer_links: tuple[Link, ...] = field(default_factory=tuple)


def _link_is_safe(url: str) -> bool:
    # Links saved before the admin checked them as it does now are left off every page.
    try:
        validate_link_url(url)
    except ValidationError:
        return False
    return True


def _snapshot(branding: SiteBranding, links: list[FooterLink]) -> Branding:
    return Branding(
        community_name=branding.community_name,
        tagline=branding.tagline,
        purpose=branding.purpose,
        welcome_html=branding.welcome_html,
        logo_url=branding.logo.url if branding.logo else "",
        primary_color=branding.primary_color,
        accent_color=branding.accent_color,
        members_only=branding.members_only,
        directory_public=branding.directory_public,
        approve_new_members=branding.approve_new_members,
        version=f"{branding.updated_at:%Y%m%d%H%M%S%f}" if branding.updated_at else "0",
        footer_links=tuple(
            Link(label=link.label, url=link.url) for link in links if _link_is_safe(link.url)
        ),
    )


def branding_get() -> Branding:
    """The current branding, from the cache (one cache read per request, no query)."""
    return per_request(BRANDING_CACHE_KEY, _branding_cached)


def _branding_cached() -> Branding:
    branding = cache_get_many_prefetched([BRANDING_CACHE_KEY]).get(BRANDING_CACHE_KEY)
    if branding is None:
        row = SiteBranding.objects.filter(pk=BRANDING_ID).first() or SiteBranding(pk=BRANDING_ID)
        links = [] if row._state.adding else list(row.footer_links.all())
        branding = _snapshot(row, links)
        cache.set(BRANDING_CACHE_KEY, branding, BRANDING_CACHE_SECONDS)
    return branding
