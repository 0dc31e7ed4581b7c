import pytest
from django.urls import reverse

from forums.models import Post, Topic
from members.models import TrustLevel
from tests.forums.services.test_topic_create import XSS_BODIES
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("forums:preview")
HTMX = {"HTTP_HX_REQUEST": "true"}

HOSTILE = [
    *XSS_BODIES,
    "<a href='x' onclick='alert(1)' style='color:red'>x</a>",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
    "![x](javascript:alert(1))",
    '<object data="x.swf"></object><embed src="x.swf">',
    "<form action='https://evil.example'><button>Go</button></form>",
    "[click](  javascript:alert(1)  )",
]


def test_preview_renders_markdown_as_the_post_will_look(client_as_member):
    body = (
        "**bold** and `code`\n\n> quoted\n\n```\nprint('hi')\n```\n\n[a link](https://example.org)"
    )
    response = client_as_member.post(PREVIEW, {"body": body}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<blockquote>" in html
    assert "print(&#x27;hi&#x27;)" in html or "print('hi')" in html
    links = [attrs for tag, attrs in parse_elements(html) if tag == "a"]
    assert links == [{"href": "https://example.org", "rel": "nofollow noopener noreferrer ugc"}]
    assert "<html" not in html  # htmx gets the fragment only
    assert not Post.objects.exists() and not Topic.objects.exists()


@pytest.mark.parametrize("body", HOSTILE)
def test_preview_sanitises_hostile_markdown(client_as_member, body):
    for extra in (HTMX, {}):
        response = client_as_member.post(PREVIEW, {"body": body}, **extra)
        assert response.status_code == 200
        html = response.content.decode()
        start = html.index('class="post__body prose"')
        preview = html[start : html.index("</div>", start)]
        assert unsafe_markup(preview) == [], body


def test_preview_without_javascript_is_a_page_that_says_nothing_was_posted(client_as_member):
    response = client_as_member.post(PREVIEW, {"body": "Hello *world*"})
    assert response.status_code == 200
    assert "<em>world</em>" in response.content.decode()
    assert "nothing has been posted yet" in response.content.decode()


def test_preview_is_for_community_members_only(client):
    assert client.post(PREVIEW, {"body": "hi"}).status_code == 403
    client.force_login(UserFactory(approval_status="pending"))
    assert client.post(PREVIEW, {"body": "hi"}).status_code == 403


def test_preview_refuses_get(client_as_member):
    assert client_as_member.get(PREVIEW).status_code == 405


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before posting."),
        ("x" * 32_001, "Posts are limited to 32,000 characters"),
        ("nul\x00", "Null characters are not allowed."),
    ],
)
def test_preview_refuses_blank_oversized_and_nul_bodies_clearly(client_as_member, body, message):
    response = client_as_member.post(PREVIEW, {"body": body}, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_100_mb_preview_is_refused_with_a_400_not_a_500(client_as_member):
    response = client_as_member.post(PREVIEW, {"body": "x" * 100_000_000})
    assert response.status_code == 400


def test_preview_warns_a_new_member_what_the_content_limits_would_refuse(client, category):
    client.force_login(UserFactory(trust_level=TrustLevel.NEW))
    body = "See [my shop](https://spam.example) @ann @bob @cat"
    for name in ("ann", "bob", "cat"):
        UserFactory(username=name)
    html = client.post(PREVIEW, {"body": body}, **HTMX).content.decode()
    assert "New members can&#x27;t post links to other sites yet (spam.example)" in html
    assert "New members can mention up to 2 people per post; this post mentions 3." in html
