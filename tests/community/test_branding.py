import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from PIL import Image

from community.models import FooterLink, SiteBranding
from community.services import branding_update
from members import roles
from tests.html import unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_URL = "/admin/community/sitebranding/1/change/"


@pytest.fixture
def manager_client(client):
    manager = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])
    client.force_login(manager)
    return client


def _png(width=64, height=32, colour=(30, 90, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _admin_form(**overrides):
    data = {
        "community_name": "Acme Customer Community",
        "tagline": "Customers helping customers",
        "purpose": "Get answers about Acme products.",
        "welcome_text": "Hello **there**",
        "primary_color": "#1d4ed8",
        "accent_color": "#b45309",
        "time_zone": "UTC",
        "footer_links-TOTAL_FORMS": "1",
        "footer_links-INITIAL_FORMS": "0",
        "footer_links-MIN_NUM_FORMS": "0",
        "footer_links-MAX_NUM_FORMS": "1000",
        "footer_links-0-label": "",
        "footer_links-0-url": "",
        "footer_links-0-position": "0",
    }
    data.update(overrides)
    return data


def test_branding_change_through_the_admin_shows_on_the_next_request(client, manager_client):
    assert b"Hearth Community" in client.get("/").content  # warms the cached snapshot

    response = manager_client.post(
        ADMIN_URL,
        _admin_form(
            **{
                "footer_links-0-label": "Status page",
                "footer_links-0-url": "https://status.acme.example",
            }
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = manager_client.get("/").content.decode()
    assert "Acme Customer Community" in page
    assert "Customers helping customers" in page
    assert "Hello <strong>there</strong>" in page
    assert 'href="https://status.acme.example"' in page
    css = manager_client.get("/brand.css").content.decode()
    assert "--brand-primary: #1d4ed8;" in css


def test_branding_service_change_busts_the_cache_after_commit(
    client, django_capture_on_commit_callbacks
):
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), community_name="Globex Guild")
    assert "Globex Guild" in client.get("/").content.decode()


def test_two_colour_changes_within_a_second_give_the_stylesheet_two_addresses(
    client, django_capture_on_commit_callbacks
):
    """Browsers keep /brand.css?v=… for a year, so each save needs an address of its own."""
    branding = SiteBranding.objects.get(pk=1)
    addresses = []
    for colour in ("#1d4ed8", "#b91c1c"):
        with django_capture_on_commit_callbacks(execute=True):
            branding_update(branding=branding, primary_color=colour)
        page = client.get("/").content.decode()
        address = re.search(r'href="(/brand\.css\?v=[^"]+)"', page).group(1)
        assert f"--brand-primary: {colour};" in client.get(address).content.decode()
        addresses.append(address)
    assert addresses[0] != addresses[1]


@pytest.mark.parametrize(
    "colour", ["red", "#12345", "#GGGGGG", "1d4ed8", "#1d4ed8; }", "javascript:x"]
)
def test_branding_colours_that_are_not_colours_get_a_clear_message(manager_client, colour):
    response = manager_client.post(ADMIN_URL, _admin_form(primary_color=colour))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    message = str(errors["primary_color"])
    assert "six hexadecimal digits" in message or "at most 7 characters" in message
    assert SiteBranding.objects.get(pk=1).primary_color == "#1f5fbf"


def test_branding_colour_too_light_for_white_text_is_refused(manager_client):
    response = manager_client.post(ADMIN_URL, _admin_form(primary_color="#ffee00"))
    assert response.status_code == 200
    assert "too light" in str(response.context["adminform"].form.errors["primary_color"])


def test_branding_logo_is_re_encoded_with_a_generated_name(manager_client):
    logo = SimpleUploadedFile("../../etc/passwd.png", _png(1600, 400), content_type="image/png")
    response = manager_client.post(ADMIN_URL, {**_admin_form(), "logo": logo})
    assert response.status_code == 302
    branding = SiteBranding.objects.get(pk=1)
    assert branding.logo.name.startswith("branding/logo-")
    assert "passwd" not in branding.logo.name
    with branding.logo.open() as stored_file, Image.open(stored_file) as stored:
        assert stored.width <= 800 and stored.height <= 400
    assert branding.logo.url in manager_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"this is not an image at all", "valid image"),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
            b"<script>alert(1)</script></svg>",
            "valid image",
        ),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', ""),
        ("logo.png", _png()[:40], "valid image"),
        ("huge.png", _png() + b"\0" * (2 * 1024 * 1024), "largest allowed is 2.0"),
    ],
)
def test_branding_logo_that_is_not_an_image_or_too_big_is_refused(
    manager_client, name, content, message
):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = manager_client.post(ADMIN_URL, {**_admin_form(), "logo": upload})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["logo"])
    assert message in errors
    branding = SiteBranding.objects.get(pk=1)
    assert not branding.logo
    assert branding.community_name == "Hearth Community"  # nothing half-saved


def test_branding_logo_decompression_bomb_is_refused(manager_client):
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buffer, format="PNG")  # ~100 KB, 900 megapixels
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    response = manager_client.post(ADMIN_URL, {**_admin_form(), "logo": upload})
    assert response.status_code == 200
    assert "logo" in response.context["adminform"].form.errors
    assert not SiteBranding.objects.get(pk=1).logo


def _footer_errors(response) -> list[str]:
    (formset,) = response.context["inline_admin_formsets"]
    return [message for errors in formset.formset.errors for message in errors.get("url", [])]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "//evil.example",
        "ftp://x.example",
        "/\\evil.example/x",  # browsers read \ as /: //evil.example/x
        "\\\\evil.example",
        "/\\/evil.example",
        "/ok\\..\\x",
        "java\tscript:alert(1)",  # browsers drop tabs and newlines inside a URL
        "/\n/evil.example",
        "/\t/evil.example",
        "https://good.example/\u202etxt.exe",  # invisible right-to-left override
        "/about\u00a0/",
        "http:/evil.example",
        "https:evil.example",
        "about/",
    ],
)
def test_footer_link_with_an_unsafe_address_is_refused(client, manager_client, url):
    response = manager_client.post(
        ADMIN_URL, _admin_form(**{"footer_links-0-label": "Bad", "footer_links-0-url": url})
    )
    assert response.status_code == 200
    (message,) = _footer_errors(response)
    assert "http" in message or "single /" in message or "invisible" in message
    assert not FooterLink.objects.exists()
    assert "Bad</a>" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "url",
    ["/about/", "/forums/?sort=new#top", "https://status.acme.example/a?b=c", "http://x.example"],
)
def test_footer_link_to_the_web_or_a_path_here_is_kept(client, manager_client, url):
    response = manager_client.post(
        ADMIN_URL, _admin_form(**{"footer_links-0-label": "Fine", "footer_links-0-url": url})
    )
    assert response.status_code == 302
    assert f'href="{escape(url)}">Fine</a>' in client.get("/").content.decode()


def test_a_footer_link_stored_before_the_check_is_left_off_the_page(client):
    FooterLink.objects.create(branding_id=1, label="Old", url="/\\evil.example/x")
    FooterLink.objects.create(branding_id=1, label="Kept", url="/about/")
    page = client.get("/").content.decode()
    assert "Old</a>" not in page and "evil.example" not in page
    assert 'href="/about/">Kept</a>' in page


def test_welcome_text_markup_is_sanitised(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(
            branding=SiteBranding.objects.get(pk=1),
            welcome_text="<script>alert(1)</script> [x](javascript:alert(1)) "
            '<div hx-get="/admin/">',
        )
    welcome = SiteBranding.objects.get(pk=1).welcome_html
    assert "alert(1)" in welcome  # kept as visible text
    assert unsafe_markup(welcome) == []
    assert welcome in client.get("/").content.decode()


def test_members_cannot_edit_branding(client_as_member):
    response = client_as_member.post(ADMIN_URL, _admin_form(community_name="Hijacked"), follow=True)
    assert response.status_code == 403
    assert SiteBranding.objects.get(pk=1).community_name == "Hearth Community"


def test_home_page_uses_a_fixed_number_of_queries(client, django_assert_max_num_queries, member):
    client.get("/")  # the branding snapshot is cached after the first request
    # A visitor's home page is shared and kept: the version of the topic lists alone.
    with django_assert_max_num_queries(1):
        client.get("/")
    client.force_login(member)
    client.get("/")  # the day's visit is recorded on the first request
    # The member, the version, the featured collections, their supporters, their groups;
    # and the session when it is not cached (no Redis).
    with django_assert_max_num_queries(5 if settings.REDIS_URL else 6):
        client.get("/")


def test_the_community_time_zone_is_chosen_in_the_admin_and_checked(manager_client):
    response = manager_client.post(ADMIN_URL, _admin_form(time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors
    assert SiteBranding.objects.get(pk=1).time_zone == "UTC"
    assert manager_client.post(ADMIN_URL, _admin_form(time_zone="Europe/Berlin")).status_code == 302
    assert SiteBranding.objects.get(pk=1).time_zone == "Europe/Berlin"
