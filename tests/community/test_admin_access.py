import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache

from members import roles
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert "%2Fadmin%2F" in response.redirect_chain[-1][0]
    assert response.status_code == 200


def test_members_who_are_not_staff_are_refused_by_the_admin(client_as_member):
    response = client_as_member.get("/admin/", follow=True)
    assert response.status_code == 403


def test_community_manager_reaches_the_admin_with_role_permissions(client):
    UserFactory(username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS])
    _login(client, "carmen@example.org")
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/admin/community/sitebranding/" in page
    assert "/admin/django_celery_beat/periodictask/" in page
    assert "/admin/members/user/" in page


def test_staff_enrol_totp_and_then_sign_in_needs_the_code(client):
    UserFactory(username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS])
    _login(client, "carmen@example.org")

    # Enrolling is account-sensitive: allauth asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200  # a wrong code is a form error
    response = client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user__username="carmen", type="totp").exists()

    client.post("/accounts/logout/")
    cache.clear()  # forget that this code was used, as 30 s would
    response = _login(client, "carmen@example.org")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_pages_carry_the_community_name(client):
    UserFactory(username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS])
    _login(client, "carmen@example.org")
    page = client.get("/admin/").content.decode()
    assert re.search(r"Hearth Community admin", page)


def test_admin_password_change_goes_through_allauth(client):
    UserFactory(username="carmen", email="carmen@example.org", roles=[roles.COMMUNITY_MANAGERS])
    _login(client, "carmen@example.org")
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
