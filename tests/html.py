"""Assertions on the parsed DOM, not on substrings: escaped text such as
`&lt;script&gt;` is harmless and must not count as a finding."""

from html.parser import HTMLParser

EXECUTABLE_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "form", "base"}
UNSAFE_URL_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def parse_elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def unsafe_markup(html: str) -> list[str]:
    """Every executable element, event handler, inline style, htmx attribute or script URL."""
    findings = []
    for tag, attrs in parse_elements(html):
        if tag in EXECUTABLE_TAGS:
            findings.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith(("on", "hx-", "data-hx")) or name == "style":
                findings.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().replace(
                "\t", ""
            ).startswith(UNSAFE_URL_SCHEMES):
                findings.append(f"<{tag} {name}={value}>")
    return findings
