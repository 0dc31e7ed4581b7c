"""Public handles: ASCII only (no look-alike Cyrillic or full-width letters), 3–30 characters,
and never a reserved name or a look-alike of one ("adm1n", "supp0rt", "rnoderator").

E-mail addresses: one normal form per mailbox (`email_normalise`), so that one person cannot
hold two accounts through spellings that reach the same inbox."""

import re

import idna
from django.core.exceptions import ValidationError

# RFC 5321: a path is at most 256 octets with its angle brackets, so an address is 254; the
# local part at most 64. The database columns (Django's and allauth's) are 254 wide.
EMAIL_MAX_LENGTH = 254
EMAIL_LOCAL_PART_MAX_LENGTH = 64

# A local part that needs no quotes (RFC 5322 dot-atom). Only these are unquoted: a quoted
# "a..b" or "a b" is a different mailbox from anything unquoted, so it stays as written.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_QUOTED_PAIR = re.compile(r"\\(.)")

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


def email_normalise(address: str) -> str:
    """The one form an address is stored and compared in: a needlessly quoted local part
    unquoted ("maya"@ → maya@), the domain in its ASCII (IDNA) form (bücher.example →
    xn--bcher-kva.example), everything lower-case (as allauth stores addresses). Raises
    ValidationError with a message for the form when the result cannot be stored: too long
    (it would otherwise be cut to the column's width) or a domain IDNA cannot encode.

    Run after Django's EmailValidator, which has already refused what is not an address."""
    local, _, domain = address.strip().rpartition("@")
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        unquoted = _QUOTED_PAIR.sub(r"\1", local[1:-1])
        if _DOT_ATOM.fullmatch(unquoted):
            local = unquoted
    # An address literal ([192.0.2.1]) has no IDNA form, and an ASCII domain is its own.
    if not domain.startswith("[") and not domain.isascii():
        try:
            # IDNA 2008 (UTS 46, non-transitional), not Python's IDNA 2003 codec, which maps
            # straße.de to strasse.de: another domain, another owner.
            domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError:
            raise ValidationError(
                "The part after the @ is not a domain name we can send e-mail to.",
                code="invalid_email_domain",
            ) from None
    normal = f"{local}@{domain}".lower()
    if len(normal) > EMAIL_MAX_LENGTH or len(local) > EMAIL_LOCAL_PART_MAX_LENGTH:
        raise ValidationError(
            f"An e-mail address can be at most {EMAIL_MAX_LENGTH} characters, with at most "
            f"{EMAIL_LOCAL_PART_MAX_LENGTH} before the @.",
            code="email_too_long",
        )
    return normal
