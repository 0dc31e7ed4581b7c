import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from forums.models import PostImage
from forums.services import uploads
from members.models import TrustLevel
from tests.forums.composer.helpers import image_bytes, png_bomb, upload
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

UPLOAD = reverse("forums:image-upload")
JSON = {"HTTP_ACCEPT": "application/json"}


def post_image(client, name, content, content_type="image/png", **extra):
    return client.post(UPLOAD, {"image": upload(name, content, content_type), **extra}, **JSON)


@pytest.mark.parametrize(
    ("fmt", "mode", "extension"), [("PNG", "RGBA", "png"), ("JPEG", "RGB", "jpg")]
)
def test_a_real_image_is_resized_stored_under_a_generated_name_and_returned_as_markdown(
    client_as_member, member, fmt, mode, extension
):
    response = post_image(
        client_as_member,
        "../../etc/passwd.png",
        image_bytes(size=(3200, 1000), fmt=fmt, mode=mode),
        alt="My [screen](shot)",
    )

    assert response.status_code == 200
    image = PostImage.objects.get()
    assert image.uploader == member
    assert (image.width, image.height) == (1600, 500)
    assert image.image.name.startswith("forums/uploads/post-")
    assert image.image.name.endswith(f".{extension}")
    assert "passwd" not in image.image.name and ".." not in image.image.name
    assert image.size == default_storage.size(image.image.name)
    assert response.json() == {
        "markdown": f"![My screen (shot)]({image.image.url})",
        "url": image.image.url,
    }
    with default_storage.open(image.image.name) as stored, Image.open(stored) as reopened:
        assert reopened.size == (1600, 500)


def test_without_javascript_the_upload_answers_a_page_with_the_markdown_to_copy(
    client_as_member,
):
    page = client_as_member.get(UPLOAD)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()

    response = client_as_member.post(
        UPLOAD, {"image": upload("shot.png", image_bytes()), "alt": ""}
    )
    assert response.status_code == 200
    image = PostImage.objects.get()
    assert f'value="![image]({image.image.url})"' in response.content.decode()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"this is just text, renamed", "Upload a PNG, JPEG, GIF or WebP image"),
        ("logo.png", SVG, "Upload a PNG, JPEG, GIF or WebP image"),
        ("logo.svg", SVG, "Upload a PNG, JPEG, GIF or WebP image"),
        ("cut.png", image_bytes()[:200], "Upload a PNG, JPEG, GIF or WebP image"),
        ("bomb.png", None, "40 megapixels"),
        ("big.png", image_bytes(size=(8000, 8000), mode="L"), "40 megapixels"),
        ("empty.png", b"", "That file is empty"),
    ],
    ids=["text-as-png", "svg-as-png", "svg", "truncated", "decompression-bomb", "64-mp", "empty"],
)
def test_what_is_not_a_safe_image_is_refused_with_a_clear_message(
    client_as_member, name, content, message
):
    content = png_bomb() if content is None else content
    response = post_image(client_as_member, name, content)
    assert response.status_code == 400
    assert message in response.json()["error"]

    page = client_as_member.post(UPLOAD, {"image": upload(name, content)})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not PostImage.objects.exists()


def test_an_image_over_10_mb_is_refused_before_it_is_read(client_as_member):
    response = post_image(client_as_member, "huge.png", b"\x89PNG" + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than 10 MB" in response.json()["error"]
    assert not PostImage.objects.exists()


@pytest.mark.parametrize("declared", ["abc", "-1", "1e9", " 12", "\u0661\u0662"])
@pytest.mark.parametrize("as_json", [True, False])
def test_a_content_length_that_is_not_a_byte_count_is_a_clear_400(
    client_as_member, declared, as_json
):
    response = client_as_member.post(
        UPLOAD,
        {"image": upload("a.png", image_bytes())},
        CONTENT_LENGTH=declared,
        **(JSON if as_json else {}),
    )
    assert response.status_code == 400
    error = response.json()["error"] if as_json else response.context["error"]
    assert "not a number of bytes" in error
    assert not PostImage.objects.exists()


@pytest.mark.parametrize("digits", [40, 5000])  # 5,000: past what int() will convert
def test_an_absurd_content_length_is_refused_as_too_large(client_as_member, digits):
    response = client_as_member.post(
        UPLOAD, {"image": upload("a.png", image_bytes())}, CONTENT_LENGTH="9" * digits, **JSON
    )
    assert response.status_code == 413
    assert "larger than 10 MB" in response.json()["error"]
    assert not PostImage.objects.exists()


def test_the_service_refuses_10_mb_too(member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="the largest allowed is 10"):
        uploads.post_image_create(
            uploader=member, upload=upload("big.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024 + 1))
        )


def test_more_than_ten_files_in_one_request_is_a_400(client_as_member):
    files = [upload(f"{n}.png", image_bytes(size=(10, 10))) for n in range(11)]
    response = client_as_member.post(UPLOAD, {"image": files}, **JSON)
    assert response.status_code == 400
    assert not PostImage.objects.exists()


def test_visitors_are_sent_to_sign_in_and_pending_members_are_refused(client):
    response = client.post(UPLOAD, {"image": upload("a.png", image_bytes())})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(approval_status="pending"))
    response = post_image(client, "a.png", image_bytes())
    assert response.status_code == 403
    assert "community members" in response.json()["error"]
    assert not PostImage.objects.exists()


def test_suspended_members_cannot_upload(client):
    client.force_login(UserFactory(suspended_until=timezone.now() + timedelta(days=2)))
    response = post_image(client, "a.png", image_bytes())
    assert response.status_code == 403
    assert "suspended" in response.json()["error"]
    assert not PostImage.objects.exists()


def test_uploads_are_rate_limited_with_retry_after(client):
    client.force_login(UserFactory(trust_level=TrustLevel.BASIC))
    for _ in range(10):
        assert post_image(client, "a.png", image_bytes(size=(20, 20))).status_code == 200
    response = post_image(client, "a.png", image_bytes(size=(20, 20)))
    assert response.status_code == 429
    assert "10 image uploads every 10 minutes" in response.json()["error"]
    assert int(response["Retry-After"]) > 0
    assert PostImage.objects.count() == 10


def test_new_members_upload_five_images_a_day(client):
    client.force_login(UserFactory(trust_level=TrustLevel.NEW))
    for _ in range(5):
        assert post_image(client, "a.png", image_bytes(size=(20, 20))).status_code == 200
    response = post_image(client, "a.png", image_bytes(size=(20, 20)))
    assert response.status_code == 429
    assert "5 image uploads a day for new members" in response.json()["error"]


def test_metadata_such_as_location_is_dropped(client_as_member):
    source = Image.new("RGB", (40, 40), (1, 2, 3))
    exif = Image.Exif()
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPSInfo: latitude
    exif[0x010F] = "Camera maker"
    buffer = io.BytesIO()
    source.save(buffer, format="JPEG", exif=exif)
    assert post_image(client_as_member, "a.jpg", buffer.getvalue(), "image/jpeg").status_code == 200
    name = PostImage.objects.get().image.name
    with default_storage.open(name) as stored, Image.open(stored) as reopened:
        assert not reopened.getexif()


def test_upload_refuses_get_of_json_and_other_methods(client_as_member):
    assert client_as_member.put(UPLOAD).status_code == 405


def test_the_upload_still_needs_the_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(UPLOAD, {"image": upload("a.png", image_bytes())})
    assert response.status_code == 403
    assert not PostImage.objects.exists()

    page = client.get(UPLOAD)
    token = page.cookies["csrftoken"].value
    response = client.post(
        UPLOAD, {"image": upload("a.png", image_bytes())}, headers={"X-CSRFToken": token}, **JSON
    )
    assert response.status_code == 200
    assert PostImage.objects.count() == 1


def test_an_oversized_upload_is_refused_before_the_body_is_parsed(member, monkeypatch):
    from django.core.handlers.wsgi import WSGIRequest
    from django.test import Client

    def must_not_parse(self):
        raise AssertionError("the request body was parsed")

    monkeypatch.setattr(WSGIRequest, "_load_post_and_files", must_not_parse)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(UPLOAD, {"image": upload("big.png", b"0" * (11 * 1024 * 1024))}, **JSON)
    assert response.status_code == 413
