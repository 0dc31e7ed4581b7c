from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from community.exceptions import ApplicationError
from members import roles
from members.models import (
    Follow,
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    MemberApplication,
    Profile,
    RequestStatus,
    ShoutOut,
    SupportAct,
    User,
)
from members.services.data import member_erase
from members.services.groups import (
    InvitationError,
    invitation_get_for_token,
    invitation_token_make,
)
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_erase_removes_every_personal_field_of_the_account(rich_member):
    member_erase(member=rich_member, actor=rich_member)

    user = User.objects.get(pk=rich_member.pk)
    assert user.username == f"former-member-{user.pk}"
    assert user.email == ""
    assert (user.first_name, user.last_name, user.display_name) == ("", "", "")
    assert user.public_name == "Former member"
    assert not user.has_usable_password()
    assert user.is_active is False
    assert user.erased_at is not None
    assert user.last_seen_at is None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(email__iexact="frida@example.org").exists()
    assert not Authenticator.objects.filter(user=user).exists()


def test_erase_clears_the_profile_and_deletes_the_avatar_file(
    rich_member, django_capture_on_commit_callbacks
):
    avatar = Profile.objects.get(user=rich_member).avatar
    storage, name = avatar.storage, avatar.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        member_erase(member=rich_member, actor=rich_member)

    profile = Profile.objects.get(user=rich_member)
    for field in ("headline", "company", "location", "bio", "bio_html", "website"):
        assert getattr(profile, field) == "", field
    assert profile.time_zone is None
    assert profile.social_links == []
    assert not profile.avatar
    assert not profile.expertise.exists()
    assert not storage.exists(name)


def test_erase_removes_follows_groups_and_withdraws_pending_requests(rich_member):
    beta = GroupProfile.objects.get(slug="beta-program")
    assert beta.member_count == 2

    member_erase(member=rich_member, actor=rich_member)

    assert not Follow.objects.filter(follower=rich_member).exists()
    assert not Follow.objects.filter(followed=rich_member).exists()
    assert not rich_member.groups.exists()
    beta.refresh_from_db()
    assert beta.member_count == 1
    assert GroupProfile.objects.get(slug="advisory-board").member_count == 0
    request = GroupMembershipRequest.objects.get(user=rich_member)
    assert request.status == RequestStatus.WITHDRAWN
    assert request.message == ""
    assert GroupInvitation.objects.get(accepted_by=rich_member).email == ""
    application = MemberApplication.objects.get(user=rich_member)
    assert (application.company, application.headline, application.reason) == ("", "", "")


def test_erase_blanks_and_closes_invitations_never_accepted_sent_to_any_of_their_addresses(
    rich_member,
):
    EmailAddress.objects.create(user=rich_member, email="frida@casa-azul.example", primary=False)
    beta = GroupProfile.objects.get(slug="beta-program")
    board = GroupProfile.objects.get(slug="advisory-board")
    soon = timezone.now() + timedelta(days=7)
    open_to_primary = GroupInvitation.objects.create(
        group_profile=board, email="FRIDA@example.org", expires_at=soon
    )
    open_to_second = GroupInvitation.objects.create(
        group_profile=beta, email="frida@casa-azul.example", expires_at=soon
    )
    expired = GroupInvitation.objects.create(
        group_profile=board,
        email="frida@example.org",
        expires_at=timezone.now() - timedelta(days=1),
    )
    someone_else = GroupInvitation.objects.create(
        group_profile=board, email="diego@example.org", expires_at=soon
    )
    link = invitation_token_make(invitation=open_to_primary)

    member_erase(member=rich_member, actor=rich_member)

    for invitation in (open_to_primary, open_to_second, expired):
        invitation.refresh_from_db()
        assert invitation.email == ""
        assert invitation.revoked_at is not None
    assert not GroupInvitation.objects.filter(email__icontains="frida").exists()
    someone_else.refresh_from_db()
    assert (someone_else.email, someone_else.revoked_at) == ("diego@example.org", None)
    with pytest.raises(InvitationError):
        invitation_get_for_token(token=link)


def test_erase_clears_the_managers_decision_note_on_their_application(rich_member):
    MemberApplication.objects.filter(user=rich_member).update(
        decision_note="Frida is Diego's partner; approved on his word."
    )

    member_erase(member=rich_member, actor=rich_member)

    assert MemberApplication.objects.get(user=rich_member).decision_note == ""


def test_erase_keeps_what_they_shared_and_the_support_history(rich_member):
    shout_outs = list(ShoutOut.objects.values_list("pk", "author_id", "recipient_id", "message"))
    acts = list(SupportAct.objects.values_list("pk", "giver_id", "receiver_id", "kind"))

    member_erase(member=rich_member, actor=rich_member)

    assert list(ShoutOut.objects.values_list("pk", "author_id", "recipient_id", "message")) == (
        shout_outs
    )
    assert list(SupportAct.objects.values_list("pk", "giver_id", "receiver_id", "kind")) == acts
    given = ShoutOut.objects.select_related("author").get(message="Diego builds walls")
    assert given.author.public_name == "Former member"


def test_an_erased_member_cannot_sign_in_and_their_open_sessions_end(rich_member):
    elsewhere = Client()
    elsewhere.force_login(rich_member)
    assert elsewhere.get("/members/me/data/").status_code == 200

    member_erase(member=rich_member, actor=rich_member)

    assert elsewhere.get("/members/me/data/").status_code == 302  # signed out
    assert not Client().login(username=f"former-member-{rich_member.pk}", password=PASSWORD)
    response = Client().post(
        "/accounts/login/", {"login": "frida@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, not a redirect into the site
    assert "_auth_user_id" not in Client().session


def test_erase_renames_the_account_in_the_admin_history(rich_member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    LogEntry.objects.log_actions(
        user_id=manager.pk, queryset=[rich_member], action_flag=CHANGE, change_message="x"
    )

    member_erase(member=rich_member, actor=manager)

    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(User), object_id=str(rich_member.pk)
    )
    assert entry.object_repr == f"former-member-{rich_member.pk}"


def test_erasing_twice_changes_nothing_more(rich_member):
    first = member_erase(member=rich_member, actor=rich_member)
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    again = member_erase(member=User.objects.get(pk=rich_member.pk), actor=manager)

    assert again.erased_at == first.erased_at
    assert again.username == first.username


def test_erase_picks_another_placeholder_when_the_usual_one_is_taken(member):
    UserFactory(username=f"former-member-{member.pk}")

    erased = member_erase(member=member, actor=member)

    assert erased.username.startswith(f"former-{member.pk}-")
    assert len(erased.username) <= 30


def test_another_member_cannot_erase_someone(rich_member, member):
    with pytest.raises(PermissionDenied):
        member_erase(member=rich_member, actor=member)

    rich_member.refresh_from_db()
    assert rich_member.erased_at is None
    assert rich_member.username == "frida"


def test_a_community_manager_can_erase_a_member(rich_member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])

    member_erase(member=rich_member, actor=manager)

    assert User.objects.get(pk=rich_member.pk).erased_at is not None


def test_a_manager_cannot_erase_a_superuser_and_a_superuser_cannot_erase_itself():
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    root = UserFactory(is_superuser=True, is_staff=True)

    with pytest.raises(PermissionDenied):
        member_erase(member=root, actor=manager)
    with pytest.raises(ApplicationError):
        member_erase(member=root, actor=root)

    root.refresh_from_db()
    assert root.erased_at is None and root.is_active


def test_another_superuser_can_erase_a_superuser():
    root, other_root = (UserFactory(is_superuser=True, is_staff=True) for _ in range(2))

    member_erase(member=root, actor=other_root)

    root.refresh_from_db()
    assert root.erased_at is not None
    assert not root.is_superuser and not root.is_staff
