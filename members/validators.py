"""Public handles: ASCII only (no look-alike Cyrillic or full-width letters), 3–30 characters,
and never a reserved name or a look-alike of one ("adm1n", "supp0rt", "rnoderator")."""

import re

from django.core.exceptions import ValidationError

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")

RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "root", "sysadmin", "system", "staff", "support", "help",
    "helpdesk", "moderator", "moderators", "mod", "mods", "manager", "community", "team",
    "official", "security", "abuse", "postmaster", "webmaster", "hostmaster", "noreply",
    "no-reply", "info", "contact", "billing", "sales", "hearth", "anonymous", "anonymoususer",
    "guest", "user", "users", "member", "members", "everyone", "all", "here", "null", "none",
    "undefined", "api", "www", "mail", "accounts", "account", "login", "logout", "signup",
    "settings", "search", "forums", "groups", "library", "polls", "dashboard", "reports",
    "notifications", "healthz", "static", "media", "former-member", "me", "invitations",
})  # fmt: skip

# Characters a reader confuses with one another; both sides map to the same skeleton.
_CONFUSABLE_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_CONFUSABLE_CHARACTERS = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "|": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
     "9": "g", "_": None, ".": None, "-": None}
)  # fmt: skip


def username_skeleton(username: str) -> str:
    skeleton = username.lower()
    for sequence, replacement in _CONFUSABLE_SEQUENCES:
        skeleton = skeleton.replace(sequence, replacement)
    return skeleton.translate(_CONFUSABLE_CHARACTERS)


_RESERVED_SKELETONS = frozenset(username_skeleton(name) for name in RESERVED_USERNAMES)


def validate_username_characters(username: str) -> None:
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationError(
            "Use only the letters a–z, digits and . _ - (no spaces, accents or look-alike "
            "characters), starting and ending with a letter or digit.",
            code="invalid_username",
        )


def validate_username_not_reserved(username: str) -> None:
    if username_skeleton(username) in _RESERVED_SKELETONS:
        raise ValidationError(
            "This username is reserved or looks like a staff name. Please choose another.",
            code="reserved_username",
        )


username_validators = [validate_username_characters, validate_username_not_reserved]
