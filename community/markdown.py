"""Member-written Markdown to safe HTML, once, at write time.

Two layers: markdown-it with raw HTML off (it escapes tags and refuses javascript:/data:
links), then an nh3 allow-list, which also removes any htmx `hx-*` attribute.

@mentions are found here too (MENTION_PATTERN, inline_mentions), the one definition both
the renderer and forums.services.mentions use. Which names are members is not this layer's
to know: a caller that wants mentions linked passes a MentionResolver to render_markdown."""

import re
from collections.abc import Callable, Iterator, Mapping
from html import unescape
from typing import NamedTuple

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

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
# The only class kept: linked @mentions. Markdown cannot write a class itself (raw HTML is
# off), so this one is always the renderer's own.
MENTION_CLASS = "mention"
ALLOWED_CLASSES = {"a": {MENTION_CLASS}}

# Handles are ASCII, 3–30 characters, starting and ending with a letter or digit
# (members.validators.USERNAME_PATTERN). The look-behind keeps e-mail addresses
# (maya@example.org) and paths out.
MENTION_PATTERN = re.compile(
    r"(?<![A-Za-z0-9_.@/+-])@([A-Za-z0-9](?:[A-Za-z0-9_.-]{1,28}[A-Za-z0-9]))(?![A-Za-z0-9_@])"
)
# Distinct handles one rendering asks the resolver about, in order of first appearance; the
# rest stay text. Far above what the posting limits let through; it bounds the look-up.
MAX_LINKED_MENTIONS = 100

# Takes distinct lower-cased handles; returns {handle: URL} for those to link.
MentionResolver = Callable[[list[str]], Mapping[str, str]]

# How inline tokens other than text read when looking for mentions: a code span or an image
# is a gap (nothing in it is a mention), markup such as emphasis is nothing.
_INLINE_BREAKS = {"softbreak": "\n", "hardbreak": "\n", "code_inline": " ", "image": " "}


class InlineMention(NamedTuple):
    handle: str  # as written, without the "@"
    child: int | None  # the text token holding all of it; None when it spans markup
    start: int  # of "@handle" in that token's content
    end: int
    in_link: bool


def markdown_tokens(source: str) -> list[Token]:
    """`source` parsed exactly as render_markdown parses it."""
    return _markdown.parse(source)


def inline_mentions(children: list[Token]) -> Iterator[InlineMention]:
    """The @mentions in one inline token's children (a paragraph, heading, list item or table
    cell), read as the reader sees the text: code spans and images are gaps, so `@x` in code
    is no mention."""
    text: list[str] = []
    spans: list[tuple[int, int, int, bool]] = []  # (child, start, end, in_link) of text
    position, link_depth = 0, 0
    for index, child in enumerate(children):
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        part = child.content if child.type == "text" else _INLINE_BREAKS.get(child.type, "")
        if child.type == "text":
            spans.append((index, position, position + len(part), link_depth > 0))
        text.append(part)
        position += len(part)
    for match in MENTION_PATTERN.finditer("".join(text)):
        start, end = match.span()
        for index, span_start, span_end, in_link in spans:
            if span_start <= start < span_end:
                if end <= span_end:
                    yield InlineMention(
                        match.group(1), index, start - span_start, end - span_start, in_link
                    )
                else:
                    yield InlineMention(match.group(1), None, 0, 0, in_link)
                break


def _mention_link(text: str, href: str) -> list[Token]:
    return [
        Token("link_open", "a", 1, attrs={"class": MENTION_CLASS, "href": href}),
        Token("text", "", 0, content=text),
        Token("link_close", "a", -1),
    ]


def _mentions_link(tokens: list[Token], resolve: MentionResolver) -> None:
    """Turn @mentions that `resolve` knows into links, in place. Mentions inside links (whose
    text is already a link), in code, or split by markup stay as written."""
    found: list[tuple[Token, InlineMention]] = []
    for token in tokens:
        if token.type == "inline" and token.children:
            found += [
                (token, mention)
                for mention in inline_mentions(token.children)
                if mention.child is not None and not mention.in_link
            ]
    handles = list(dict.fromkeys(mention.handle.lower() for _, mention in found))
    if not handles:
        return
    urls = resolve(handles[:MAX_LINKED_MENTIONS])
    by_token: dict[int, tuple[Token, list[InlineMention]]] = {}
    for token, mention in found:
        if mention.handle.lower() in urls:
            by_token.setdefault(id(token), (token, []))[1].append(mention)
    for token, mentions in by_token.values():
        children: list[Token] = []
        for index, child in enumerate(token.children or []):
            here = [mention for mention in mentions if mention.child == index]
            if not here:
                children.append(child)
                continue
            cut = 0
            for mention in here:  # in order of position
                if mention.start > cut:
                    before = child.content[cut : mention.start]
                    children.append(Token("text", "", 0, content=before))
                written = child.content[mention.start : mention.end]
                children += _mention_link(written, urls[mention.handle.lower()])
                cut = mention.end
            if cut < len(child.content):
                children.append(Token("text", "", 0, content=child.content[cut:]))
        token.children = children


def render_markdown(source: str, *, mentions: MentionResolver | None = None) -> str:
    """`source` as sanitised HTML. With `mentions`, each `@handle` it resolves becomes
    `<a class="mention" href="…">@handle</a>` (text as written, URL as resolved)."""
    tokens = _markdown.parse(source[:MAX_MARKDOWN_LENGTH])
    if mentions is not None:
        _mentions_link(tokens, mentions)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
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
