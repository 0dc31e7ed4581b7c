"""Member-written Markdown to safe HTML, once, at write time.

Two layers: markdown-it with raw HTML off (it escapes tags and refuses javascript:/data:
links), then an nh3 allow-list, which also removes any htmx `hx-*` attribute."""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_LENGTH = 32_000  # Discourse's max_post_length; bounds render time too

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str) -> str:
    html = _markdown.render(source[:MAX_MARKDOWN_LENGTH])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


# Block-level ends: where the rendered text gets a space, so "<p>a</p><p>b</p>" reads "a b".
_BLOCK_BOUNDARY = re.compile(r"(?=</?(?:p|br|hr|pre|blockquote|ul|ol|li|h[1-6]|table|tr|td|th)\b)")


def html_to_text(html: str) -> str:
    """The words a reader sees in rendered, sanitised HTML, as plain text: tags dropped (their
    text kept), entities decoded, whitespace collapsed. For snippets (search results,
    bookmarks), which must not show Markdown syntax; escape it again when putting it in a
    page (templates do)."""
    stripped = nh3.clean(_BLOCK_BOUNDARY.sub(" ", html or ""), tags=set(), strip_comments=True)
    return " ".join(unescape(stripped).split())
