import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.utils.http import url_has_allowed_host_and_scheme

validate_hex_colour = RegexValidator(
    regex=r"^#[0-9a-fA-F]{6}$",
    message="Enter a colour as # followed by six hexadecimal digits, for example #1f5fbf.",
    code="invalid_colour",
)


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two #rrggbb colours (1.0 to 21.0)."""
    lighter, darker = sorted((_relative_luminance(first), _relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def validate_contrast_on_white(hex_colour: str, *, minimum: float, use: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", hex_colour or ""):
        return  # the format validator reports this one
    ratio = contrast_ratio(hex_colour, "#ffffff")
    if ratio < minimum:
        raise ValidationError(
            "%(colour)s is too light: %(use)s it has a contrast of %(ratio).1f:1 with white, "
            "and at least %(minimum).1f:1 is needed to stay readable. Choose a darker shade.",
            code="low_contrast",
            params={"colour": hex_colour, "use": use, "ratio": ratio, "minimum": minimum},
        )


_validate_web_address = URLValidator(schemes=["http", "https"])


def validate_link_url(url: str) -> None:
    """A link a manager puts on every page: an http(s) address, or a path on this site.

    Browsers are more lenient than the text looks: they read `\\` as `/` (so `/\\evil.example`
    is `//evil.example`, another site), drop tabs and newlines anywhere in a URL and spaces or
    control characters around it (so ` //evil` and `java\tscript:` work). Such characters
    are refused outright, and a path must be one Django itself would treat as staying on
    this site (`url_has_allowed_host_and_scheme` with no host allowed)."""
    if any(char.isspace() or unicodedata.category(char)[0] == "C" for char in url):
        raise ValidationError(
            "Remove the spaces, tabs or invisible characters from the link.",
            code="link_whitespace",
        )
    if url.startswith(("/", "\\")):
        if "\\" in url or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
            raise ValidationError(
                "A path on this site starts with a single / and has no backslashes, for "
                "example /about/ (//host or /\\host would lead to another site).",
                code="link_not_same_site",
            )
        return
    try:
        _validate_web_address(url)
    except ValidationError:
        raise ValidationError(
            "Enter an http:// or https:// address, or a path on this site starting with /.",
            code="link_scheme",
        ) from None
