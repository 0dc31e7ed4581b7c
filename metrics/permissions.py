"""Who may read the KPI dashboard, its KPI pages, exports and API: community members whose
roles grant `metrics.view_dashboard` (Executives and Community managers, by migration) and
superusers. Every metrics view asks `check_view_dashboard`; the header's "Dashboard" link
asks `dashboard_link_visible`, which answers the same question from the cache."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from community.per_request import cache_get_many_prefetched
from members.access import access_version_keys, access_versions
from members.models import User
from members.permissions import MANAGE_MEMBER_PERMISSION, is_community_member
from members.roles import EXECUTIVES

VIEW_DASHBOARD = "metrics.view_dashboard"
DASHBOARD_REFUSED = "The KPI dashboard is for executives and community managers."
LINK_CACHE_SECONDS = 24 * 60 * 60


def can_view_dashboard(user) -> bool:
    return is_community_member(user) and user.has_perm(VIEW_DASHBOARD)


def check_view_dashboard(user) -> None:
    if not can_view_dashboard(user):
        raise PermissionDenied(DASHBOARD_REFUSED)


def can_open_member_admin(user) -> bool:
    """Whether the dashboard links a member it names (a repeat offender, a moderator) to
    their page in the admin: community managers, who act on it. Executives read the names
    only."""
    return bool(user.is_staff and user.has_perm(MANAGE_MEMBER_PERMISSION))


def dashboard_landing(user) -> str | None:
    """Executives land on the dashboard after signing in. Community managers, who may read
    it too, come to run the community and land where everyone does."""
    if user.groups.filter(name=EXECUTIVES).exists() and can_view_dashboard(user):
        return reverse("metrics:dashboard")
    return None


@dataclass(frozen=True)
class _LinkAnswer:
    versions: tuple[str, ...]
    visible: bool


def dashboard_link_key(user_id: int) -> str:
    return f"metrics:dashboard-link:{user_id}"


def dashboard_link_visible(user) -> bool:
    """can_view_dashboard for the header of every page, without its two permission queries
    on each one: the answer is cached per member, stamped with the access versions
    (members.access) that a role change or a role's new permissions replace."""
    if not getattr(user, "is_authenticated", False):
        return False
    key = dashboard_link_key(user.pk)
    found = cache_get_many_prefetched([*access_version_keys(user.pk), key])
    versions = access_versions(user.pk, found)
    answer = found.get(key)
    if isinstance(answer, _LinkAnswer) and answer.versions == versions:
        return answer.visible
    # The member as stored now, not the row loaded before the versions were read.
    fresh = User._default_manager.filter(pk=user.pk).first()
    visible = fresh is not None and can_view_dashboard(fresh)
    cache.set(key, _LinkAnswer(versions, visible), timeout=LINK_CACHE_SECONDS)
    return visible
