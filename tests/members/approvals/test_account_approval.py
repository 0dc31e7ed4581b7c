import re

import pytest
from django.core import mail
from django.test import Client

from community.models import SiteBranding
from community.services import branding_update
from members import roles
from members.models import ApprovalStatus, MemberApplication, User
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-enough-pass-42"


@pytest.fixture
def approval_on(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), approve_new_members=True)


@pytest.fixture
def manager_client(client):
    manager = UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])
    client.force_login(manager)
    return client


def _signup_and_verify(client, **answers):
    client.post(
        "/accounts/signup/",
        {
            "email": "pat@example.org",
            "username": "pat",
            "password1": PASSWORD,
            "password2": PASSWORD,
            **answers,
        },
    )
    body = next(m.body for m in mail.outbox if "confirm-email" in m.body)
    path = "/" + re.search(r"https?://[^/]+/(accounts/confirm-email/\S+)", body).group(1)
    return client.post(path)


def _sign_in(client):
    return client.post("/accounts/login/", {"login": "pat@example.org", "password": PASSWORD})


def test_signup_without_approval_setting_joins_at_once(client):
    response = client.get("/accounts/signup/")
    assert "reason" not in response.context["form"].fields
    _signup_and_verify(client)
    assert User.objects.get(username="pat").approval_status == ApprovalStatus.APPROVED


def test_signup_waits_for_approval_with_its_answers_and_cannot_sign_in(client, approval_on):
    assert "reason" in client.get("/accounts/signup/").context["form"].fields
    response = _signup_and_verify(
        client, company="Globex", headline="Ops lead", reason="We run Acme in 4 plants"
    )
    assert response["Location"] == "/accounts/pending/"
    user = User.objects.get(username="pat")
    assert user.approval_status == ApprovalStatus.PENDING
    assert not user.groups.exists()
    application = MemberApplication.objects.get(user=user)
    assert (application.company, application.reason) == ("Globex", "We run Acme in 4 plants")
    assert not [m for m in mail.outbox if m.subject.startswith("Welcome to")]

    client.logout()
    response = _sign_in(client)
    assert response["Location"] == "/accounts/pending/"
    assert "_auth_user_id" not in client.session
    assert b"approves new members by hand" in client.get("/accounts/pending/").content


def test_manager_approves_from_the_admin_queue_and_the_member_hears_and_gets_in(
    client, approval_on, manager_client, django_capture_on_commit_callbacks
):
    visitor = Client()
    _signup_and_verify(visitor, reason="Please", company="Globex")
    application = MemberApplication.objects.get(user__username="pat")

    queue = manager_client.get("/admin/members/memberapplication/")
    assert b"pat@example.org" in queue.content

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/admin/members/memberapplication/",
            {"action": "approve", "_selected_action": [application.pk]},
        )
    assert response.status_code == 302
    user = User.objects.get(username="pat")
    assert user.approval_status == ApprovalStatus.APPROVED
    assert list(user.groups.values_list("name", flat=True)) == [roles.MEMBERS]
    # One e-mail: the welcome, which says they were approved and links to sign in.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Welcome to")
    assert "approved your account" in mail.outbox[0].body
    assert "http://127.0.0.1:8000/accounts/login/" in mail.outbox[0].body
    # What they said at sign-up starts their profile.
    assert user.profile.company == "Globex"

    response = _sign_in(visitor)
    assert response["Location"] == "/"
    assert "_auth_user_id" in visitor.session


def test_manager_declines_and_the_person_is_told_and_stays_out(
    approval_on, manager_client, django_capture_on_commit_callbacks
):
    client = Client()
    _signup_and_verify(client)
    application = MemberApplication.objects.get(user__username="pat")
    application.decision_note = "This community is for Acme customers."
    application.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            "/admin/members/memberapplication/",
            {"action": "decline", "_selected_action": [application.pk]},
        )
    assert User.objects.get(username="pat").approval_status == ApprovalStatus.DECLINED
    assert "for Acme customers" in mail.outbox[0].body

    _sign_in(client)
    assert "_auth_user_id" not in client.session
    assert b"was not approved" in client.get("/accounts/pending/").content


def test_deciding_twice_changes_nothing_and_members_cannot_decide(approval_on, client_as_member):
    _signup_and_verify(Client())
    application = MemberApplication.objects.get(user__username="pat")
    response = client_as_member.post(
        "/admin/members/memberapplication/",
        {"action": "approve", "_selected_action": [application.pk]},
        follow=True,
    )
    assert response.status_code == 403
    assert User.objects.get(username="pat").approval_status == ApprovalStatus.PENDING

    from members.services.approvals import member_application_approve, member_application_decline

    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    member_application_decline(user=application.user, actor=manager)
    member_application_approve(user=application.user, actor=manager)  # too late: already decided
    assert User.objects.get(username="pat").approval_status == ApprovalStatus.DECLINED


def test_the_user_admin_cannot_approve_around_the_queue(approval_on, manager_client):
    _signup_and_verify(Client())
    pat = User.objects.get(username="pat")
    page = manager_client.get(f"/admin/members/user/{pat.pk}/change/")
    assert page.status_code == 200
    assert 'name="approval_status"' not in page.content.decode()  # shown, not editable
