"""The account e-mails (verification, password reset, "you already have an account") link
to SITE_URL like every other e-mail, not to the host the request came in on."""

import re

import pytest
from django.core import mail

from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8123"  # `make run PORT=8123`
LINK = re.compile(r"https?://[^\s/]+/\S*")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def _links(message) -> list[str]:
    return LINK.findall(message.body)


def _signup(client, email):
    password = "a-Long-enough-pass-42"
    client.post(
        "/accounts/signup/",
        {"email": email, "username": "pat", "password1": password, "password2": password},
        HTTP_HOST="localhost:8000",
    )


def test_the_verification_link_goes_to_the_site_url(client):
    _signup(client, "pat@example.org")
    (message,) = [m for m in mail.outbox if "confirm-email" in m.body]
    links = [link for link in _links(message) if "/accounts/" in link]
    assert links and all(link.startswith(f"{SITE}/accounts/confirm-email/") for link in links)


def test_the_password_reset_link_goes_to_the_site_url(client):
    UserFactory(email="hal@example.org")
    client.post(
        "/accounts/password/reset/", {"email": "hal@example.org"}, HTTP_HOST="localhost:8000"
    )
    (message,) = mail.outbox
    links = [link for link in _links(message) if "/accounts/" in link]
    assert links and all(link.startswith(f"{SITE}/accounts/password/reset/key/") for link in links)


def test_a_sign_up_with_a_taken_address_mails_links_to_the_site_url(client):
    UserFactory(email="dana@example.org")
    _signup(client, "dana@example.org")
    (message,) = [m for m in mail.outbox if m.to == ["dana@example.org"]]
    links = [link for link in _links(message) if "/accounts/" in link]
    assert links == [f"{SITE}/accounts/password/reset/"]
