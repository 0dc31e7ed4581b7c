import pytest

from community.markdown import MAX_MARKDOWN_LENGTH, render_markdown
from tests.html import parse_elements, unsafe_markup

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<details open ontoggle=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<a href="/x" hx-get="/admin/" hx-trigger="load" hx-on:click="alert(1)">x</a>',
    '<div hx-get="/admin/" hx-trigger="load"></div>',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_render_markdown_leaves_nothing_executable(source):
    assert unsafe_markup(render_markdown(source)) == []


def test_render_markdown_keeps_ordinary_formatting_and_marks_links_ugc():
    html = render_markdown("**bold** and [docs](https://acme.example/docs)\n\n```\ncode\n```")
    tags = [tag for tag, _ in parse_elements(html)]
    assert {"strong", "a", "pre", "code"} <= set(tags)
    link = next(attrs for tag, attrs in parse_elements(html) if tag == "a")
    assert link["href"] == "https://acme.example/docs"
    assert "ugc" in link["rel"] and "nofollow" in link["rel"]


def test_render_markdown_bounds_pathological_input():
    html = render_markdown(">" * 5000 + " deep\n" + "*" * 100_000)
    assert len(html) < 20 * MAX_MARKDOWN_LENGTH


def _members(*names):
    """A MentionResolver knowing `names`, recording what it was asked."""
    asked = []

    def resolve(handles):
        asked.append(list(handles))
        return {handle: f"/members/{handle}/" for handle in handles if handle in names}

    resolve.asked = asked
    return resolve


def _mention_links(html):
    return [attrs for tag, attrs in parse_elements(html) if tag == "a" and "class" in attrs]


def test_render_markdown_links_resolved_mentions_keeping_the_text_as_written():
    resolve = _members("maya")
    html = render_markdown("Thanks @Maya and @maya, and @nobody.", mentions=resolve)

    assert resolve.asked == [["maya", "nobody"]]  # once, distinct, lower-cased
    assert html.count('<a class="mention" href="/members/maya/"') == 2
    assert ">@Maya</a>" in html and ">@maya</a>" in html
    assert "@nobody" in html and "/members/nobody/" not in html


def test_render_markdown_without_a_resolver_links_no_mention():
    assert _mention_links(render_markdown("Hi @maya")) == []


@pytest.mark.parametrize(
    "source",
    [
        "`@maya`",
        "```\n@maya\n```",
        "    @maya in an indented block",
        "[@maya](https://example.org/maya)",
        "<https://example.org/@maya>",
        "maya@example.org",
        "@ma**ya**",
        "![@maya](/media/x.png)",
    ],
)
def test_render_markdown_leaves_mentions_in_code_links_and_markup_alone(source):
    assert _mention_links(render_markdown(source, mentions=_members("maya"))) == []


def test_render_markdown_links_mentions_in_quotes_headings_and_tables():
    source = "> @maya said\n\n# For @maya\n\n| who |\n|---|\n| @maya |"
    assert len(_mention_links(render_markdown(source, mentions=_members("maya")))) == 3


@pytest.mark.parametrize(
    "source",
    [
        '@maya"><script>alert(1)</script>',
        "@maya<img src=x onerror=alert(1)>",
        '@maya" onmouseover="alert(1)',
        "[@maya](javascript:alert(1))",
        "@maya\u202e<svg onload=alert(1)>",
    ],
)
def test_render_markdown_keeps_hostile_text_around_mentions_inert(source):
    html = render_markdown(source, mentions=_members("maya"))
    assert unsafe_markup(html) == []
    for attrs in _mention_links(html):
        assert attrs["class"] == "mention" and attrs["href"] == "/members/maya/"


def test_render_markdown_keeps_no_class_but_its_own():
    # Raw HTML is text, so a class can only come from the renderer; nh3 would drop others.
    html = render_markdown('<a class="mention evil" href="/x">x</a> <p class="mention">y</p>')
    assert _mention_links(html) == []
