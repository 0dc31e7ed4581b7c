import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import BRANDING_ID, Notification, SiteBranding
from community.services import branding_cache_clear, branding_update
from members.models import (
    ApprovalStatus,
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    JoinPolicy,
    MemberApplication,
    RequestStatus,
    User,
)
from members.services.approvals import member_application_approve
from members.services.groups import (
    INVITATION_SALT,
    INVITATIONS_PER_ACTOR_PER_DAY,
    InvitationError,
    group_invite,
    group_request_create,
    invitation_accept,
    invitation_revoke,
    invitation_token_make,
    invitation_url_path,
    invitations_accept_on_approval,
)
from members.tasks import group_invitation_email_send_task
from tests.members.factories import PASSWORD, UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(hidden_group):
    """A hidden, invitation-only group with a manager."""
    return hidden_group


@pytest.fixture
def board_manager(board, make_manager):
    return make_manager(board)


@pytest.fixture
def invite(board, board_manager, django_capture_on_commit_callbacks):
    def make(email: str, group_profile=None) -> GroupInvitation:
        with django_capture_on_commit_callbacks(execute=True):
            return group_invite(
                actor=board_manager,
                group_profile=group_profile or board,
                email=email,
            )

    return make


def _member_ids(group_profile) -> set[int]:
    return set(group_profile.group.user_set.values_list("pk", flat=True))


def _link_from_mail(message) -> str:
    site = re.escape(settings.SITE_URL.rstrip("/"))
    match = re.search(site + r"(/groups/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def _state(invitation) -> tuple:
    invitation.refresh_from_db()
    return invitation.accepted_by_id, invitation.accepted_at, invitation.created_account


# --- sending ----------------------------------------------------------------------------------


def test_group_invite_stores_a_14_day_invitation_and_emails_a_signed_link(invite, board):
    invitation = invite("newcomer@example.net")

    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=14), abs=timedelta(seconds=5)
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.net"]
    assert board.name in message.subject
    link = _link_from_mail(message)
    token = link.split("/")[3]
    assert signing.loads(token, salt=INVITATION_SALT) == {
        "invitation": invitation.pk,
        "email": "newcomer@example.net",
    }


def test_the_invitation_link_uses_the_sites_address_not_the_host_the_manager_used(
    client, board, board_manager, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://community.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "intranet.local"]
    client.force_login(board_manager)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("groups:invite", args=[board.slug]),
            {"email": "guest@example.net"},
            HTTP_HOST="intranet.local",
        )

    body = mail.outbox[0].body
    assert "https://community.example.com/groups/invitations/" in body
    assert "intranet.local" not in body


def test_an_invitation_email_queued_by_the_previous_release_still_goes_out(
    board, board_manager, settings
):
    settings.SITE_URL = "https://community.example.com"
    invitation = group_invite(actor=board_manager, group_profile=board, email="g@example.net")

    # The old message still carries the host the manager used; it is ignored.
    group_invitation_email_send_task(invitation_id=invitation.pk, site_url="http://old.local/")

    assert "https://community.example.com/groups/invitations/" in mail.outbox[0].body


def test_group_invite_by_a_plain_member_is_refused_and_sends_nothing(board, member):
    add_member(board, member)
    with pytest.raises(PermissionDenied):
        group_invite(actor=member, group_profile=board, email="x@example.net")
    assert not GroupInvitation.objects.exists()
    assert mail.outbox == []


def test_group_invite_for_an_open_group_is_refused(make_group, make_manager):
    open_group = make_group(join_policy=JoinPolicy.OPEN)
    manager = make_manager(open_group)
    with pytest.raises(ValidationError, match="share its address"):
        group_invite(actor=manager, group_profile=open_group, email="x@example.net")
    assert not GroupInvitation.objects.exists()


@pytest.mark.parametrize(
    "bad_email", ["not-an-email", "a@b@example.net", "x" * 250 + "@example.net", "a\x00@b.net"]
)
def test_group_invite_with_a_bad_address_gives_a_clear_error(board, board_manager, bad_email):
    with pytest.raises(ValidationError):
        group_invite(actor=board_manager, group_profile=board, email=bad_email)
    assert not GroupInvitation.objects.exists()


def test_a_second_open_invitation_to_the_same_address_is_refused(invite, board, board_manager):
    invite("twice@example.net")
    with pytest.raises(ValidationError, match="already has an invitation"):
        group_invite(actor=board_manager, group_profile=board, email="TWICE@example.net")
    assert GroupInvitation.objects.count() == 1


def test_inviting_an_existing_member_is_refused(board, board_manager):
    existing = add_member(board, UserFactory())
    with pytest.raises(ValidationError, match="already a member"):
        group_invite(actor=board_manager, group_profile=board, email=existing.email.upper())


def test_a_manager_cannot_send_more_than_the_daily_invitation_limit(board, board_manager):
    now = timezone.now()
    GroupInvitation.objects.bulk_create(
        [
            GroupInvitation(
                group_profile=board,
                email=f"bulk{n}@example.net",
                invited_by=board_manager,
                expires_at=now + timedelta(days=14),
            )
            for n in range(INVITATIONS_PER_ACTOR_PER_DAY)
        ]
    )
    with pytest.raises(ValidationError) as refused:
        group_invite(actor=board_manager, group_profile=board, email="one-more@example.net")
    # The window rolls: the message names when the oldest of the 50 turns 24 hours old.
    frees_up = timezone.localtime(
        GroupInvitation.objects.order_by("created_at").first().created_at + timedelta(days=1)
    )
    message = " ".join(refused.value.messages)
    assert f"{INVITATIONS_PER_ACTOR_PER_DAY} invitations in the last 24 hours" in message
    assert f"You can send the next one from {frees_up:%-d %B %Y, %H:%M}" in message
    assert not GroupInvitation.objects.filter(email="one-more@example.net").exists()


# --- accepting (service) ----------------------------------------------------------------------


def test_an_existing_member_accepts_with_their_verified_address(invite, board):
    person = UserFactory()
    invitation = invite(person.email.upper())  # the address matches case-insensitively

    acceptance = invitation_accept(user=person, token=invitation_token_make(invitation=invitation))

    assert acceptance.joined
    assert _member_ids(board) == {person.pk}
    assert GroupProfile.objects.get(pk=board.pk).member_count == 1
    accepted_by, accepted_at, created_account = _state(invitation)
    assert accepted_by == person.pk and accepted_at is not None
    assert created_account is False  # the account existed before the invitation


def test_an_invitation_link_reused_is_refused_with_a_clear_message(invite, board):
    person = UserFactory()
    invitation = invite(person.email)
    token = invitation_token_make(invitation=invitation)
    invitation_accept(user=person, token=token)
    before = _state(invitation)

    with pytest.raises(InvitationError, match="already been used") as error:
        invitation_accept(user=person, token=token)
    assert error.value.status == 410
    assert _state(invitation) == before
    assert GroupProfile.objects.get(pk=board.pk).member_count == 1


def test_an_expired_invitation_is_refused_and_changes_nothing(invite, board):
    person = UserFactory()
    invitation = invite(person.email)
    GroupInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    with pytest.raises(InvitationError, match="expired") as error:
        invitation_accept(user=person, token=invitation_token_make(invitation=invitation))
    assert error.value.status == 410
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)


def test_a_link_older_than_the_signature_max_age_is_refused(invite, board, monkeypatch):
    person = UserFactory()
    invitation = invite(person.email)
    token = invitation_token_make(invitation=invitation)
    later = timezone.now().timestamp() + timedelta(days=15).total_seconds()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    with pytest.raises(InvitationError, match="expired"):
        invitation_accept(user=person, token=token)
    assert _member_ids(board) == set()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: signing.dumps({"invitation": 1, "email": "a@b.c"}, salt="other-salt"),
        lambda token: "garbage",
        lambda token: "",
    ],
)
def test_a_forged_invitation_token_is_refused_and_changes_nothing(invite, board, tamper):
    person = UserFactory()
    invitation = invite(person.email)

    with pytest.raises(InvitationError, match="not valid") as error:
        invitation_accept(user=person, token=tamper(invitation_token_make(invitation=invitation)))
    assert error.value.status == 400
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)


def test_a_token_signed_for_another_address_of_the_same_invitation_is_refused(invite, board):
    person = UserFactory()
    invitation = invite("real@example.net")
    EmailAddress.objects.create(user=person, email="attacker@example.net", verified=True)
    forged = signing.dumps(
        {"invitation": invitation.pk, "email": "attacker@example.net"}, salt=INVITATION_SALT
    )
    # Only someone with SECRET_KEY can sign; this proves the row's address is compared too.
    with pytest.raises(InvitationError):
        invitation_accept(user=person, token=forged)
    assert _member_ids(board) == set()


def test_an_invitation_for_another_email_is_refused_with_a_clear_message(invite, board):
    invitation = invite("someone.else@example.net")
    stranger = UserFactory()

    with pytest.raises(InvitationError, match="different e-mail address") as error:
        invitation_accept(user=stranger, token=invitation_token_make(invitation=invitation))
    assert error.value.status == 403
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)


def test_an_unverified_matching_address_must_be_confirmed_first(invite, board):
    person = UserFactory(verified=False)
    invitation = invite(person.email)

    with pytest.raises(InvitationError, match="Confirm your e-mail address"):
        invitation_accept(user=person, token=invitation_token_make(invitation=invitation))
    assert _member_ids(board) == set()


def test_a_withdrawn_invitation_is_refused(invite, board, board_manager):
    person = UserFactory()
    invitation = invite(person.email)
    assert invitation_revoke(actor=board_manager, invitation=invitation)

    with pytest.raises(InvitationError, match="withdrawn"):
        invitation_accept(user=person, token=invitation_token_make(invitation=invitation))
    assert _member_ids(board) == set()


def test_accepting_closes_a_pending_request_for_the_same_group(
    make_group, make_manager, board_manager, invite
):
    request_group = make_group(join_policy=JoinPolicy.REQUEST)
    make_manager(request_group, user=board_manager)
    person = UserFactory()
    membership_request, _ = group_request_create(user=person, group_profile=request_group)
    invitation = invite(person.email, group_profile=request_group)

    invitation_accept(user=person, token=invitation_token_make(invitation=invitation))

    assert GroupMembershipRequest.objects.get(pk=membership_request.pk).status == (
        RequestStatus.APPROVED
    )


# --- the invitation page ------------------------------------------------------------------------


def test_a_visitor_sees_the_invitation_with_sign_up_and_sign_in_links(client, invite, board):
    invitation = invite("visitor@example.net")
    path = invitation_url_path(invitation=invitation)

    response = client.get(path)

    assert response.status_code == 200
    content = response.content.decode()
    assert board.name in content
    assert invitation.invited_by.public_name in content
    assert "Sign up to join" in content and "Sign in to join" in content
    assert f"{reverse('account_signup')}?next=" in content
    # Looking at an invitation stores nothing: the ?next= links carry the visitor back.
    assert dict(client.session) == {}


@pytest.mark.parametrize(
    ("mutate", "status", "text"),
    [
        ("forge", 400, "not valid"),
        ("expire", 410, "expired"),
        ("use", 410, "already been used"),
    ],
)
def test_the_invitation_page_explains_a_bad_link_and_changes_nothing(
    client, invite, board, mutate, status, text
):
    person = UserFactory()
    invitation = invite(person.email)
    path = invitation_url_path(invitation=invitation)
    if mutate == "forge":
        path = path[:-3] + ("AA/" if not path.endswith("AA/") else "BB/")
    elif mutate == "expire":
        GroupInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    else:
        invitation_accept(user=person, token=path.split("/")[3])
    before = _state(invitation)
    client.force_login(UserFactory())

    response = client.post(path)

    assert response.status_code == status
    assert text in response.content.decode()
    assert _state(invitation) == before


def test_a_signed_in_member_with_another_email_sees_why_and_cannot_accept(client, invite, board):
    invitation = invite("owner@example.net")
    path = invitation_url_path(invitation=invitation)
    client.force_login(UserFactory())

    page = client.get(path)
    attempt = client.post(path)

    assert page.status_code == 403
    assert "different e-mail address" in page.content.decode()
    assert "Accept and join" not in page.content.decode()
    assert attempt.status_code == 403
    assert _member_ids(board) == set()


def test_a_signed_in_member_accepts_on_the_page_and_lands_in_the_hidden_group(
    client, invite, board
):
    person = UserFactory()
    invitation = invite(person.email)
    path = invitation_url_path(invitation=invitation)
    client.force_login(person)

    assert "Accept and join" in client.get(path).content.decode()
    response = client.post(path, follow=True)

    assert response.redirect_chain[-1][0] == reverse("groups:detail", args=[board.slug])
    assert f"Welcome to {board.name}" in response.content.decode()
    assert _member_ids(board) == {person.pk}


def test_a_visitor_posting_the_acceptance_is_sent_to_sign_in(client, invite, board):
    invitation = invite("visitor@example.net")
    path = invitation_url_path(invitation=invitation)

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert _state(invitation) == (None, None, False)


@pytest.mark.parametrize("members_only", [False, True])
def test_signing_up_through_an_invitation_lands_the_new_member_in_the_group(
    client, invite, board, members_only
):
    SiteBranding.objects.filter(pk=BRANDING_ID).update(members_only=members_only)
    branding_cache_clear()
    invitation = invite("Newcomer@Example.net")
    invitation_path = _link_from_mail(mail.outbox[0])
    mail.outbox.clear()

    # 1. The visitor opens the link from the e-mail and chooses "Sign up to join". Even a
    #    members-only community shows a signed invitation to the person it was sent to.
    page = client.get(invitation_path)
    assert page.status_code == 200
    signup_url = page.context["signup_url"]
    assert quote(invitation_path, safe="") in signup_url or invitation_path in signup_url

    # 2. They sign up with the invited address (its case as they typed it).
    response = client.post(
        signup_url,
        {
            "email": "newcomer@example.net",
            "username": "newcomer",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer = User.objects.get(username="newcomer")
    assert not EmailAddress.objects.get(user=newcomer).verified

    # 3. Verification is mandatory: they confirm through the link in the e-mail.
    confirmation = next(m for m in mail.outbox if "confirm" in m.body.lower())
    confirm_path = re.search(
        r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", confirmation.body
    )
    assert confirm_path, confirmation.body
    response = client.post(confirm_path.group(1))

    # 4. allauth logs them in and honours ?next=: they are back on the invitation page.
    assert response.status_code == 302
    assert response["Location"] == invitation_path
    page = client.get(invitation_path)
    assert page.status_code == 200
    assert "Accept and join" in page.content.decode()

    # 5. They accept and are in the (hidden) group.
    response = client.post(invitation_path)
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:detail", args=[board.slug])
    assert _member_ids(board) == {newcomer.pk}
    accepted_by, _accepted_at, created_account = _state(invitation)
    assert accepted_by == newcomer.pk
    assert created_account is True
    assert client.get(reverse("groups:detail", args=[board.slug])).status_code == 200


def test_signing_up_through_an_invitation_with_another_address_does_not_join(client, invite, board):
    invitation = invite("invited@example.net")
    path = invitation_url_path(invitation=invitation)
    client.get(path)
    client.force_login(UserFactory(username="otherperson"))

    response = client.post(path)

    assert response.status_code == 403
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)


# --- invitations and account approval -----------------------------------------------------------


@pytest.fixture
def approval_on(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=BRANDING_ID), approve_new_members=True)


def _sign_up_and_confirm(client, signup_url: str, email: str, username: str):
    response = client.post(
        signup_url,
        {
            "email": email,
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "reason": "The board invited me",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    confirmation = next(m for m in mail.outbox if "confirm-email" in m.body)
    confirm_path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", confirmation.body)
    return client.post(confirm_path.group(1))


def test_with_approval_on_an_invited_sign_up_joins_the_group_once_approved(
    client,
    invite,
    board,
    board_manager,
    community_manager,
    approval_on,
    django_capture_on_commit_callbacks,
):
    invitation = invite("Newcomer@Example.net")
    invitation_path = _link_from_mail(mail.outbox[0])
    mail.outbox.clear()

    # 1. They sign up through the invitation link and land in the approval queue.
    signup_url = client.get(invitation_path).context["signup_url"]
    response = _sign_up_and_confirm(client, signup_url, "newcomer@example.net", "newcomer")
    assert response["Location"] == "/accounts/pending/"
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.approval_status == ApprovalStatus.PENDING
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)

    # 2. The community manager sees the invitation in the queue, and approves.
    manager = Client()
    manager.force_login(community_manager)
    queue = manager.get(reverse("admin:members_memberapplication_changelist"))
    assert "newcomer@example.net" in queue.content.decode()
    assert board.name in queue.content.decode()
    application = MemberApplication.objects.get(user=newcomer)
    assert (
        board.name
        in manager.get(
            reverse("admin:members_memberapplication_change", args=[application.pk])
        ).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(
            reverse("admin:members_memberapplication_changelist"),
            {"action": "approve", "_selected_action": [application.pk]},
        )

    # 3. The invitation was used for them: they are in the group, and the inviter knows.
    assert _member_ids(board) == {newcomer.pk}
    assert GroupProfile.objects.get(pk=board.pk).member_count == 1
    accepted_by, accepted_at, created_account = _state(invitation)
    assert (accepted_by, created_account) == (newcomer.pk, True)
    assert accepted_at is not None
    notice = Notification.objects.get(kind="group_invitation_accepted")
    assert notice.recipient == board_manager and notice.actor == newcomer

    # 4. They sign in and the hidden group is theirs.
    client.post(reverse("account_login"), {"login": "newcomer@example.net", "password": PASSWORD})
    assert client.get(reverse("groups:detail", args=[board.slug])).status_code == 200


def test_approval_accepts_only_open_invitations_to_a_verified_address(
    make_group, make_manager, community_manager
):
    person = UserFactory(approval_status=ApprovalStatus.PENDING)
    EmailAddress.objects.create(user=person, email="second@example.net", verified=False)
    groups = {
        label: make_group(join_policy=JoinPolicy.INVITATION, name=label)
        for label in ("Open", "Twice", "Expired", "Withdrawn", "Unverified", "Someone else")
    }
    manager = make_manager(groups["Open"])
    for group_profile in groups.values():
        make_manager(group_profile, user=manager)

    def send(label: str, email: str) -> GroupInvitation:
        return group_invite(actor=manager, group_profile=groups[label], email=email)

    wanted = [send("Open", person.email.upper()), send("Twice", person.email)]
    expired = send("Expired", person.email)
    GroupInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    withdrawn = send("Withdrawn", person.email)
    invitation_revoke(actor=manager, invitation=withdrawn)
    unverified = send("Unverified", "second@example.net")
    elsewhere = send("Someone else", "someone@example.net")

    assert member_application_approve(user=person, actor=community_manager)

    joined = set(person.groups.filter(profile__isnull=False).values_list("name", flat=True))
    assert joined == {"Open", "Twice"}
    for invitation in wanted:
        assert _state(invitation)[0] == person.pk
    for invitation in (expired, withdrawn, unverified, elsewhere):
        assert _state(invitation)[0] is None


def test_an_account_still_waiting_cannot_be_put_in_a_group_by_its_invitations(board, invite):
    person = UserFactory(approval_status=ApprovalStatus.PENDING)
    invitation = invite(person.email)

    assert invitations_accept_on_approval(user=person) == []
    assert _member_ids(board) == set()
    assert _state(invitation) == (None, None, False)
