import io
import json
import os
import zipfile
from pathlib import PurePosixPath

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.test import Client

from members.models import ApprovalStatus, Profile, User
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

DATA = "/members/me/data/"
EXPORT = "/members/me/data/export/"
ERASE = "/members/me/data/erase/"


def _body(response) -> bytes:
    """A streamed download, read to the end (which also closes its temporary file)."""
    return b"".join(response.streaming_content)


def _erase(client, user, **overrides):
    return client.post(
        ERASE, {"password": PASSWORD, "confirm_username": user.username, **overrides}
    )


def _unchanged(user) -> bool:
    fresh = User.objects.get(pk=user.pk)
    return (
        fresh.erased_at is None
        and fresh.is_active
        and fresh.username == user.username
        and fresh.check_password(PASSWORD)
    )


def test_data_page_offers_download_and_erase(client_as_member):
    response = client_as_member.get(DATA)

    assert response.status_code == 200
    assert f'action="{EXPORT}"'.encode() in response.content
    assert f'action="{ERASE}"'.encode() in response.content
    assert b'name="password"' in response.content
    assert b'name="confirm_username"' in response.content


def test_data_pages_need_sign_in(client):
    for response in (client.get(DATA), client.post(EXPORT), client.post(ERASE)):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_export_and_erase_refuse_get(client_as_member, member):
    assert client_as_member.get(EXPORT).status_code == 405
    assert client_as_member.get(ERASE).status_code == 405
    assert _unchanged(member)


def test_download_my_data_returns_a_zip_attachment(client_as_member, member):
    response = client_as_member.post(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{member.username}-data-'
    )
    assert "no-store" in response["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        account = json.loads(archive.read(f"{member.username}-data/account.json"))
    assert account["username"] == member.username


def test_an_account_waiting_for_approval_can_still_download_its_data(client):
    pending = UserFactory(approval_status=ApprovalStatus.PENDING)
    client.force_login(pending)

    response = client.post(EXPORT)
    assert response.status_code == 200
    assert _body(response)


def test_a_large_file_is_streamed_back_in_blocks_and_arrives_whole(client_as_member, member):
    photo = os.urandom(3 * 1024 * 1024)  # random: the zip cannot shrink it
    profile = Profile.objects.create(user=member)
    profile.avatar.save("portrait.png", ContentFile(photo))

    response = client_as_member.post(EXPORT)

    assert isinstance(response, FileResponse) and response.streaming
    chunks = list(response.streaming_content)
    response.close()
    assert len(chunks) > 1  # sent as it is read, not as one body built in memory
    body = b"".join(chunks)
    assert int(response["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        name = PurePosixPath(profile.avatar.name).name
        assert archive.read(f"{member.username}-data/files/{name}") == photo


def test_downloading_my_data_is_limited_to_3_an_hour_with_a_clear_message(client_as_member, member):
    for _ in range(3):
        response = client_as_member.post(EXPORT)
        assert response.status_code == 200
        _body(response)

    refused = client_as_member.post(EXPORT)

    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "You have reached the limit of 3 downloads of your data an hour." in page
    assert "Please try again in about 1 hour." in page
    assert refused["Content-Type"].startswith("text/html")  # the page, not a zip
    assert _unchanged(member)


def test_erase_with_password_and_username_erases_signs_out_and_says_so(client_as_member, member):
    response = _erase(client_as_member, member)

    assert response.status_code == 302
    assert response["Location"] == "/"
    erased = User.objects.get(pk=member.pk)
    assert erased.erased_at is not None
    assert "_auth_user_id" not in client_as_member.session
    notices = [str(m) for m in get_messages(response.wsgi_request)]
    assert notices[0].startswith("Your account has been erased.")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"password": "wrong password"}, b"That is not your current password."),
        ({"password": ""}, b"Enter your current password."),
        ({"confirm_username": "someone-else"}, b"exactly to confirm"),
        ({"confirm_username": ""}, b"Type your username to confirm."),
        ({"confirm_username": "x" * 10_000}, b"Ensure this value has at most 150 characters"),
        ({"confirm_username": "nul\x00"}, b"Null characters are not allowed."),
    ],
)
def test_erase_with_wrong_confirmation_shows_a_clear_message_and_changes_nothing(
    client_as_member, member, overrides, error
):
    response = _erase(client_as_member, member, **overrides)

    assert response.status_code == 400
    assert error in response.content
    assert _unchanged(member)
    assert client_as_member.get(DATA).status_code == 200  # still signed in


def test_username_confirmation_is_exact_not_case_insensitive(client_as_member, member):
    response = _erase(client_as_member, member, confirm_username=member.username.upper())

    assert response.status_code == 400
    assert _unchanged(member)


def test_guessing_the_password_through_the_erase_form_is_rate_limited(client_as_member, member):
    for _ in range(5):
        assert _erase(client_as_member, member, password="guess").status_code == 400

    response = _erase(client_as_member, member)  # even the right password, for now

    assert response.status_code == 429
    assert b"5 attempts an hour" in response.content
    assert int(response["Retry-After"]) > 0
    assert _unchanged(member)


def test_erase_without_csrf_token_is_refused(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    assert _erase(client, member).status_code == 403
    assert client.post(EXPORT).status_code == 403
    assert _unchanged(member)


def test_a_superuser_cannot_erase_their_own_account_from_the_page(client):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)

    response = _erase(client, root)

    assert response.status_code == 400
    assert b"ask another administrator" in response.content.lower()
    assert _unchanged(root)
