"""One mailbox, one account: addresses are refused when they cannot be stored whole, and
compared in one normal form (case, IDNA domains, needless quotes) at sign-up and when a member
adds an address."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from members.models import User
from members.validators import email_normalise
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-Long-enough-pass-42"
TOO_LONG = ("y" * 300) + "@example.org"


def _signup(client, email, username="newcomer"):
    return client.post(
        "/accounts/signup/",
        {
            "email": email,
            "username": username,
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )


def _accounts():
    return User.objects.exclude(username="AnonymousUser")


@pytest.mark.parametrize(
    "email",
    [TOO_LONG, ("y" * 65) + "@example.org", "yy@" + ("d" * 62 + ".") * 4 + "example"],
)
def test_signup_with_an_address_too_long_to_store_is_refused_and_stores_nothing(client, email):
    response = _signup(client, email)
    assert response.status_code == 200
    (error,) = response.context["form"].errors["email"]
    assert "at most 254 characters" in error
    assert not _accounts().exists()
    assert not EmailAddress.objects.exists()


def test_a_member_signs_in_with_any_spelling_of_their_address(client):
    member = UserFactory(username="maya", email="maya@xn--bcher-kva.example")
    response = client.post(
        "/accounts/login/", {"login": '"Maya"@Bücher.example', "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(member.pk)

    client.logout()
    mail.outbox.clear()
    client.post("/accounts/login/code/", {"email": "maya@bücher.example"})
    assert [m.to for m in mail.outbox] == [["maya@xn--bcher-kva.example"]]


def test_adding_an_address_too_long_to_store_is_a_form_error_not_a_500(client):
    member = UserFactory(username="jay", email="jay@example.org")
    client.force_login(member)
    response = client.post("/accounts/email/", {"action_add": "", "email": TOO_LONG})
    assert response.status_code == 200
    assert "at most 254 characters" in response.context["form"].errors["email"][0]
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["jay@example.org"]


@pytest.mark.parametrize(
    ("existing", "spelling"),
    [
        ("maya@acme.example", '"maya"@acme.example'),
        ("maya@acme.example", '"m\\aya"@ACME.example'),
        ("maya@acme.example", "Maya@Acme.Example"),
        ("maya@xn--bcher-kva.example", "maya@bücher.example"),
        ("maya@xn--bcher-kva.example", "MAYA@BÜCHER.example"),
    ],
)
def test_signup_with_another_spelling_of_a_taken_address_creates_no_second_account(
    client, existing, spelling
):
    UserFactory(username="maya", email=existing)
    response = _signup(client, spelling)
    # Enumeration prevention: the same "check your e-mail" answer as for a new address...
    assert response.status_code == 302
    # ...but no second account for the same mailbox.
    assert list(_accounts().values_list("username", flat=True)) == ["maya"]


def test_signup_stores_the_address_in_its_normal_form(client):
    _signup(client, '"Maya"@Bücher.example')
    user = User.objects.get(username="newcomer")
    assert user.email == "maya@xn--bcher-kva.example"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "maya@xn--bcher-kva.example"
    ]
    # ...so the other spelling now finds it taken.
    client.logout()
    _signup(client, "maya@xn--bcher-kva.example", username="second")
    assert not User.objects.filter(username="second").exists()


@pytest.mark.parametrize("spelling", ['"jay"@example.org', "JAY@Example.org"])
def test_adding_another_spelling_of_your_own_address_is_refused(client, spelling):
    member = UserFactory(username="jay", email="jay@example.org")
    client.force_login(member)
    response = client.post("/accounts/email/", {"action_add": "", "email": spelling})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert EmailAddress.objects.filter(user=member).count() == 1


def test_adding_another_spelling_of_someone_elses_address_never_makes_a_second_copy(client):
    UserFactory(username="maya", email="maya@xn--bcher-kva.example")
    other = UserFactory(username="omar", email="omar@example.org")
    client.force_login(other)
    client.post("/accounts/email/", {"action_add": "", "email": '"maya"@bücher.example'})
    # Whatever allauth answers (it hides whether the address is taken), nothing stored under
    # a second spelling of Maya's mailbox.
    stored = set(EmailAddress.objects.values_list("email", flat=True))
    assert stored <= {"maya@xn--bcher-kva.example", "omar@example.org"}
    assert not EmailAddress.objects.filter(user=other, verified=True).exclude(
        email="omar@example.org"
    )


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ('"a..b"@example.org', '"a..b"@example.org'),  # quotes needed: a different mailbox
        ("user@[192.0.2.1]", "user@[192.0.2.1]"),
        ("  Maya@Example.org ", "maya@example.org"),
    ],
)
def test_only_needless_quotes_are_removed(typed, normal):
    assert email_normalise(typed) == normal


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        # IDNA 2008: ß and ẞ-free spellings are different domains with different owners;
        # the older IDNA 2003 mapping would have sent straße.de's mail to strasse.de.
        ("maya@straße.de", "maya@xn--strae-oqa.de"),
        ("maya@strasse.de", "maya@strasse.de"),
        ("x@Bücher.example", "x@xn--bcher-kva.example"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
    ],
)
def test_international_domains_keep_their_own_mailbox(typed, normal):
    assert email_normalise(typed) == normal


def test_stored_spellings_from_before_take_the_normal_form_unless_it_is_taken(capsys):
    """The data migration: addresses stored as typed before sign-up normalised them."""
    from django.apps import apps

    migration = importlib.import_module("members.migrations.0008_email_addresses_normal_form")
    maya = UserFactory(username="maya", email="maya@bücher.example")
    EmailAddress.objects.filter(user=maya).update(email="maya@bücher.example")
    quoted = UserFactory(username="quoted", email='"omar"@acme.example')
    EmailAddress.objects.filter(user=quoted).update(email='"omar"@acme.example')
    UserFactory(username="omar", email="omar@acme.example")  # the same mailbox, two accounts

    migration.normalise_stored_addresses(apps, None)

    def addresses(user):
        user.refresh_from_db()
        return user.email, list(
            EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        )

    assert addresses(maya) == ("maya@xn--bcher-kva.example", ["maya@xn--bcher-kva.example"])
    # Two accounts for one mailbox cannot be merged here: left for a manager, and named.
    assert addresses(quoted) == ('"omar"@acme.example', ['"omar"@acme.example'])
    assert '"omar"@acme.example' in capsys.readouterr().out
