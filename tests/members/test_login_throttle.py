"""Wrong passwords typed by someone else must not keep a member out of their own account."""

import re

import pytest
from django.core import mail
from django.test import override_settings

from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OWNER_IP = "198.51.100.7"


def _login(client, email, password, ip, **extra):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _attack(client, email, *, ips):
    """One wrong password for `email` from each IP: a guesser spreading over addresses."""
    for ip in ips:
        response = _login(client, email, "not-the-password", ip)
        assert response.status_code == 200 and "_auth_user_id" not in client.session


def _sign_in_with_emailed_code(client, email, ip):
    mail.outbox.clear()
    response = client.post("/accounts/login/code/", {"email": email}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content
    (message,) = [m for m in mail.outbox if m.to == [email]]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE).group(1)
    return client.post(response["Location"], {"code": code}, REMOTE_ADDR=ip)


def test_wrong_passwords_from_many_ips_do_not_stop_the_owner_signing_in_by_code(client):
    owner = UserFactory(username="maya", email="maya@example.org")
    _attack(client, "maya@example.org", ips=[f"203.0.113.{n}" for n in range(1, 8)])

    # The guessed address stays throttled for passwords, the right one included...
    refused = _login(client, "maya@example.org", PASSWORD, OWNER_IP)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    page = refused.content.decode()
    assert "Send me a sign-in code" in page  # ...and the page says how to get in anyway
    assert "sign-in code" in refused.context["form"].non_field_errors()[0]
    assert "reset your" in refused.context["form"].non_field_errors()[0]

    # The owner asks for a code, reads it in their mailbox and is in.
    signed_in = _sign_in_with_emailed_code(client, "maya@example.org", OWNER_IP)
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)

    # Being in does not lift the limit for the guesser: the address still refuses passwords.
    client.logout()
    again = _login(client, "maya@example.org", PASSWORD, "192.0.2.99")
    assert "_auth_user_id" not in client.session and again.status_code == 200


def test_the_attackers_own_ip_stays_throttled_for_every_address(client):
    victims = [UserFactory(email=f"victim{n}@example.org") for n in range(11)]
    for victim in victims[:10]:
        _attack(client, victim.email, ips=["203.0.113.66"])

    # Ten failures in a minute from one IP: that IP's next try is refused even when right...
    _login(client, victims[10].email, PASSWORD, "203.0.113.66")
    assert "_auth_user_id" not in client.session
    # ...while the same account from anywhere else is fine (the address has no failures).
    _login(client, victims[10].email, PASSWORD, OWNER_IP)
    assert client.session["_auth_user_id"] == str(victims[10].pk)


def test_the_owner_can_also_reset_the_password_and_sign_in_with_it(client):
    owner = UserFactory(username="nia", email="nia@example.org")
    _attack(client, "nia@example.org", ips=[f"203.0.113.{n}" for n in range(1, 6)])

    client.post("/accounts/password/reset/", {"email": "nia@example.org"}, REMOTE_ADDR=OWNER_IP)
    (message,) = [m for m in mail.outbox if m.to == ["nia@example.org"]]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body).group(0)
    form_page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    new_password = "a-Fresh-long-pass-77"
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": new_password, "password2": new_password},
        REMOTE_ADDR=OWNER_IP,
    )
    _login(client, "nia@example.org", new_password, OWNER_IP)
    assert client.session["_auth_user_id"] == str(owner.pk)


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_each_client_is_counted_on_its_own_ip(client):
    """Everyone reaches the web server from the proxy's address; with the proxy counted, one
    guesser's failures do not throttle everybody else behind the same proxy."""
    users = [UserFactory(email=f"p{n}@example.org") for n in range(11)]
    proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    for user in users[:10]:
        _login(client, user.email, "wrong", "10.0.0.2", **proxy)
    _login(client, users[10].email, PASSWORD, "10.0.0.2", **proxy)
    assert "_auth_user_id" not in client.session  # the guesser is refused...

    _login(client, users[10].email, PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=OWNER_IP)
    assert client.session["_auth_user_id"] == str(users[10].pk)  # ...the others are not
