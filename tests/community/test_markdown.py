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
