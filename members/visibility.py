"""Per-field profile visibility, decided in one place for the profile page, the directory,
search and exports.

"Only me" means only the member. Community managers see members-level fields in the
browser like any member; they reach the rest through the admin (support and legal
requests), not through the community's pages."""

from django.db.models import Q

from members.models import VISIBLE_FIELDS, Profile, Visibility
from members.permissions import is_community_member

ALL_LEVELS = frozenset(Visibility.values)
MEMBER_LEVELS = frozenset({Visibility.PUBLIC, Visibility.MEMBERS})
PUBLIC_LEVELS = frozenset({Visibility.PUBLIC})


def levels_for(viewer, owner_id: int) -> frozenset[str]:
    """The visibility levels `viewer` may see on the profile of user `owner_id`."""
    if viewer.is_authenticated and viewer.pk == owner_id:
        return ALL_LEVELS
    if is_community_member(viewer):
        return MEMBER_LEVELS
    return PUBLIC_LEVELS


def can_see_field(viewer, profile: Profile, field: str) -> bool:
    if field not in VISIBLE_FIELDS:
        raise ValueError(f"{field!r} has no visibility setting")
    return getattr(profile, f"{field}_visibility") in levels_for(viewer, profile.user_id)


def visible_fields(viewer, profile: Profile) -> frozenset[str]:
    """The names in VISIBLE_FIELDS that `viewer` may see on `profile` (no queries)."""
    levels = levels_for(viewer, profile.user_id)
    return frozenset(
        field for field in VISIBLE_FIELDS if getattr(profile, f"{field}_visibility") in levels
    )


def field_visible_q(
    viewer, field: str, *, profile_prefix: str = "profile__", own: bool = True
) -> Q:
    """A filter that keeps only rows whose `field` the viewer may see, for searching and
    filtering in SQL: searching by a hidden company must not find the member. `own=False`
    leaves out the viewer's own row's "only me" value (an order that is the same for every
    member, the viewer included)."""
    if field not in VISIBLE_FIELDS:
        raise ValueError(f"{field!r} has no visibility setting")
    levels = MEMBER_LEVELS if is_community_member(viewer) else PUBLIC_LEVELS
    condition = Q(**{f"{profile_prefix}{field}_visibility__in": sorted(levels)})
    if own and viewer.is_authenticated:
        owner_lookup = profile_prefix.removesuffix("profile__") + "pk"
        condition |= Q(**{owner_lookup: viewer.pk})
    return condition
