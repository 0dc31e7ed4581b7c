"""{% avatar user %}: the member's uploaded photo, or their initials on a colour picked from
the username. Never queries: the photo is shown only when the profile was loaded with the
user (select_related("profile")) or passed in."""

import zlib

from django import template

from members.models import Profile, User

register = template.Library()

AVATAR_COLOURS = 12  # .avatar--c0 … .avatar--c11 in hearth.css, each AA-contrast with white
AVATAR_SIZES = {"sm": 32, "md": 48, "lg": 96}


def avatar_colour(username: str) -> int:
    # crc32, not hash(): Python salts str hashes per process, and a member's colour must not
    # change from one page (or worker) to the next.
    return zlib.crc32(username.encode()) % AVATAR_COLOURS


def avatar_initials(name: str) -> str:
    words = [word for word in name.split() if word[:1].isalnum()]
    if not words:
        return name[:1].upper() or "?"
    if len(words) == 1:
        return words[0][:1].upper()
    return (words[0][:1] + words[-1][:1]).upper()


def _profile_if_loaded(user: User) -> Profile | None:
    if not User.profile.is_cached(user):
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


@register.inclusion_tag("members/_avatar.html")
def avatar(user: User, profile: Profile | None = None, size: str = "md") -> dict:
    if size not in AVATAR_SIZES:
        size = "md"
    if profile is None:
        profile = _profile_if_loaded(user)
    erased = bool(user.erased_at)
    photo_url = profile.avatar.url if profile is not None and profile.avatar and not erased else ""
    return {
        "photo_url": photo_url,
        "initials": "" if erased else avatar_initials(user.public_name),
        "colour": "former" if erased else avatar_colour(user.username),
        "size": size,
        "pixels": AVATAR_SIZES[size],
    }
