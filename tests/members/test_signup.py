import re
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core import mail

from members import roles
from members.models import User
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-Long-enough-pass-42"


def _signup(client, **overrides):
    data = {
        "email": "carol@example.org",
        "username": "carol",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def _confirmation_link(outbox) -> str:
    for message in outbox:
        found = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body)
        if found:
            return found.group(0)
    raise AssertionError("no confirmation e-mail was sent")


def test_signup_verify_then_first_login_reaches_branded_home(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(username="carol")
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: the password alone does not let an unverified member in.
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "carol@example.org", "password": GOOD_PASSWORD}
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    link = _confirmation_link(mail.outbox)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").status_code == 200  # a GET only shows the Confirm button
    assert not EmailAddress.objects.get(user=user).verified
    response = client.post(f"/{path}")
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "carol@example.org", "password": GOOD_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == user
    assert b"Welcome back, carol" in response.content


def test_signup_joins_members_role_and_sends_welcome_once_after_commit(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _signup(client)
    user = User.objects.get(username="carol")
    assert list(user.groups.values_list("name", flat=True)) == [roles.MEMBERS]
    assert len(callbacks) >= 1
    welcome = [m for m in mail.outbox if m.subject.startswith("Welcome to")]
    assert len(welcome) == 1
    assert welcome[0].to == ["carol@example.org"]
    assert user.__class__.objects.get(pk=user.pk).welcome_email_sent_at is not None

    from members.services import member_welcome_email_send

    assert member_welcome_email_send(user_id=user.pk) is False  # a retry never sends twice
    assert len([m for m in mail.outbox if m.subject.startswith("Welcome to")]) == 1


def test_signup_with_existing_email_in_other_case_does_not_reveal_the_account(client):
    UserFactory(username="dana", email="dana@example.org")
    fresh = _signup(client, email="fresh@example.org", username="fresh")
    client.logout()
    taken = _signup(client, email="DANA@example.org", username="dana2")

    # Both answers are the same "check your e-mail" redirect; no "already exists" anywhere.
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"]
    assert not User.objects.filter(username="dana2").exists()
    assert User.objects.filter(email__iexact="dana@example.org").count() == 1
    # The owner of the address hears that someone tried.
    assert any(m.to == ["DANA@example.org"] or m.to == ["dana@example.org"] for m in mail.outbox)


@pytest.mark.parametrize(
    "username",
    [
        "admin",
        "Admin",
        "\u0430dmin",  # Cyrillic a
        "\uff41\uff44\uff4d\uff49\uff4e",  # full-width "admin"
        "ad\u200bmin",  # zero-width space
        "admin\u202e",  # right-to-left override
        "adm1n",
        "supp0rt",
        "rnoderator",
        "Staff",
        "s.u.p.p.o.r.t",
        "AnonymousUser",
    ],
)
def test_signup_refuses_reserved_and_look_alike_usernames(client, username):
    response = _signup(client, username=username)
    assert response.status_code == 200
    errors = response.context["form"].errors["username"]
    assert errors
    assert not User.objects.filter(email="carol@example.org").exists()


def test_signup_refuses_a_username_taken_in_another_case(client):
    UserFactory(username="Erin")
    response = _signup(client, username="erin")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username__iexact="erin").count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "u" * 31),
        ("username", "u" * 10_000),
        ("email", ("e" * 320) + "@example.org"),
        ("username", "nul\x00byte"),
    ],
)
def test_signup_refuses_overlong_and_malformed_fields_with_a_form_error(client, field, value):
    response = _signup(client, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exclude(username="AnonymousUser").exists()


def test_signup_honeypot_field_stores_nothing(client):
    response = _signup(client, website="http://spam.example")
    assert response.status_code == 302
    assert not User.objects.filter(username="carol").exists()


def test_signup_is_rate_limited_per_ip(client):
    for n in range(5):
        _signup(client, email=f"burst{n}@example.org", username=f"burst{n}")
        client.logout()
    response = _signup(client, email="burst6@example.org", username="burst6")
    assert response.status_code == 429
    assert not User.objects.filter(username="burst6").exists()


def test_login_is_by_email_and_failed_logins_are_throttled(client):
    UserFactory(username="frank", email="frank@example.org")
    assert (
        client.post("/accounts/login/", {"login": "frank", "password": PASSWORD}).status_code == 200
    )
    assert "_auth_user_id" not in client.session
    for _ in range(5):
        client.post("/accounts/login/", {"login": "frank@example.org", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "frank@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "password sign-in is paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
    ],
)
@pytest.mark.parametrize("in_body", [True, False])
def test_login_next_parameter_never_redirects_off_site(client, next_url, in_body):
    UserFactory(username="gina", email="gina@example.org")
    response = client.post(
        f"/accounts/login/?{urlencode({'next': next_url})}",
        {
            "login": "gina@example.org",
            "password": PASSWORD,
            **({"next": next_url} if in_body else {}),
        },
    )
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc) == ("", "")
    assert not response["Location"].startswith(("//", "/\\"))


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    UserFactory(username="hank", email="hank@example.org")
    known = client.post("/accounts/password/reset/", {"email": "hank@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_reset_link_sets_a_new_password_once(client):
    user = UserFactory(username="hal", email="hal@example.org")
    client.post("/accounts/password/reset/", {"email": "hal@example.org"})
    (message,) = [m for m in mail.outbox if "hal@example.org" in m.to]
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # allauth swaps the key for a session-held token and redirects to a keyless form.
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    assert b"Hearth" in form_page.content  # the reset form is in the site's look
    assert b"invalid" not in form_page.content.lower()
    response = client.post(form_url, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)

    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "hal@example.org", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session

    # The link is spent: it can't set the password a second time.
    client.logout()
    again = client.get(path, follow=True)
    assert b"invalid" in again.content.lower() or b"expired" in again.content.lower()
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_password_change_and_logout_need_a_post(client):
    user = UserFactory(username="ivy")
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)

    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session  # a GET (a link, a prefetch) never logs out
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_email_change_keeps_the_old_address_until_the_new_one_is_verified(client):
    user = UserFactory(username="jay", email="jay@example.org")
    client.force_login(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "jay.new@example.org"})
    assert response.status_code == 302
    addresses = {a.email: a for a in EmailAddress.objects.filter(user=user)}
    assert addresses["jay@example.org"].primary
    assert not addresses["jay.new@example.org"].verified
    assert any("jay.new@example.org" in m.to for m in mail.outbox)


def test_confirming_a_changed_email_makes_it_the_only_login(client):
    user = UserFactory(username="kim", email="kim@example.org")
    client.force_login(user)
    client.post("/accounts/email/", {"action_add": "", "email": "kim.new@example.org"})
    link = _confirmation_link([m for m in mail.outbox if "kim.new@example.org" in m.to])
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path).status_code == 302

    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "kim.new@example.org"
    ]
    user.refresh_from_db()
    assert user.email == "kim.new@example.org"
    client.logout()
    old = client.post("/accounts/login/", {"login": "kim@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and old.status_code == 200
    client.post("/accounts/login/", {"login": "kim.new@example.org", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/"]
)
def test_signup_next_parameter_never_leads_off_site(client, next_url):
    response = client.post(
        f"/accounts/signup/?{urlencode({'next': next_url})}",
        {
            "email": "lou@example.org",
            "username": "lou",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "next": next_url,
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="lou").exists()
    path = "/" + _confirmation_link(mail.outbox).split("://", 1)[1].split("/", 1)[1]
    confirmed = client.post(path)
    for location in (response["Location"], confirmed["Location"]):
        parts = urlsplit(location)
        assert (parts.scheme, parts.netloc) == ("", ""), location
        assert not location.startswith(("//", "/\\"))


def test_new_accounts_have_only_the_members_role():
    assert Group.objects.filter(name=roles.MEMBERS).exists()


def test_signup_honeypot_is_hidden_by_a_class_not_pushed_off_screen(client):
    page = client.get("/accounts/signup/").content.decode()
    field = re.search(r'<input[^>]*name="website"[^>]*>', page).group(0)
    assert 'class="form-trap"' in field
    assert 'tabindex="-1"' in field
    assert "style=" not in field and "99999" not in page
    assert "Sign up" in page and "Sign Up" not in page and "Signup" not in page
