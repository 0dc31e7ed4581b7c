from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import get_perms

from community.models import Notification
from members.models import (
    ApprovalStatus,
    GroupMembershipRequest,
    GroupProfile,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
)
from members.permissions import can_manage_group
from members.services.groups import (
    group_create,
    group_join,
    group_leave,
    group_manager_add,
    group_manager_remove,
    group_member_add,
    group_member_counts_synchronize,
    group_member_remove,
    group_request_create,
    group_request_decide,
    group_request_managers_notify,
    group_update,
)
from tests.html import unsafe_markup
from tests.members.factories import UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db


def _member_ids(group_profile) -> set[int]:
    return set(group_profile.group.user_set.values_list("pk", flat=True))


def _count(group_profile) -> int:
    return GroupProfile.objects.get(pk=group_profile.pk).member_count


# --- group_create / group_update -----------------------------------------------------------


def test_group_create_makes_the_auth_group_profile_and_a_group_view_grant(community_manager):
    group_profile = group_create(
        actor=community_manager,
        name="Beta testers",
        slug="beta-testers",
        description="Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**",
        visibility=GroupVisibility.HIDDEN,
        join_policy=JoinPolicy.INVITATION,
    )

    assert group_profile.group.name == "Beta testers"
    assert "<strong>bold</strong>" in group_profile.description_html
    assert unsafe_markup(group_profile.description_html) == []
    # Membership is the grant: the group itself may view its (hidden) profile.
    assert get_perms(group_profile.group, group_profile) == ["view_groupprofile"]


def test_group_create_by_a_plain_member_is_refused_and_creates_nothing(member):
    with pytest.raises(PermissionDenied):
        group_create(actor=member, name="Mine", slug="mine")
    assert not GroupProfile.objects.exists()


def test_group_create_refuses_a_name_taken_by_a_role_case_insensitively(community_manager):
    with pytest.raises(ValidationError, match="already exists"):
        group_create(actor=community_manager, name="  members ", slug="members-2")
    assert not GroupProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", "not a slug!"), ("slug", "x" * 61), ("description", "x" * 2001)],
)
def test_group_create_with_bad_input_gives_a_field_error_and_creates_nothing(
    community_manager, field, value
):
    arguments = {"name": "Good name", "slug": "good-slug", field: value}
    with pytest.raises(ValidationError) as error:
        group_create(actor=community_manager, **arguments)
    assert field in error.value.message_dict
    assert not GroupProfile.objects.exists()


def test_group_update_by_its_manager_rerenders_the_description(make_group, make_manager):
    group_profile = make_group()
    manager = make_manager(group_profile)

    group_update(actor=manager, group_profile=group_profile, description="*new*")

    group_profile.refresh_from_db()
    assert group_profile.description_html.strip() == "<p><em>new</em></p>"


def test_group_update_by_a_plain_member_is_refused(make_group, member):
    group_profile = make_group()
    with pytest.raises(PermissionDenied):
        group_update(actor=member, group_profile=group_profile, name="Taken over")
    group_profile.group.refresh_from_db()
    assert group_profile.group.name != "Taken over"


# --- managers -------------------------------------------------------------------------------


def test_group_manager_add_and_remove_grant_and_revoke_the_object_permission(
    make_group, community_manager, member
):
    group_profile = make_group()

    group_manager_add(actor=community_manager, group_profile=group_profile, user=member)
    group_manager_add(actor=community_manager, group_profile=group_profile, user=member)
    assert can_manage_group(type(member).objects.get(pk=member.pk), group_profile)

    group_manager_remove(actor=community_manager, group_profile=group_profile, user=member)
    assert not can_manage_group(type(member).objects.get(pk=member.pk), group_profile)


def test_a_group_manager_cannot_appoint_other_managers(make_group, make_manager):
    group_profile = make_group()
    manager = make_manager(group_profile)
    friend = UserFactory()

    with pytest.raises(PermissionDenied, match="community managers"):
        group_manager_add(actor=manager, group_profile=group_profile, user=friend)
    assert not can_manage_group(friend, group_profile)


# --- open groups ----------------------------------------------------------------------------


def test_group_join_on_an_open_group_adds_the_member_and_counts_them(open_group, member):
    assert group_join(user=member, group_profile=open_group) is True

    assert _member_ids(open_group) == {member.pk}
    assert _count(open_group) == 1


def test_joining_twice_keeps_one_membership_and_the_count_right(open_group, member):
    group_join(user=member, group_profile=open_group)
    assert group_join(user=member, group_profile=open_group) is False

    assert open_group.group.user_set.filter(pk=member.pk).count() == 1
    assert _count(open_group) == 1


def test_group_leave_removes_the_member_and_decrements_the_count(open_group, member):
    group_join(user=member, group_profile=open_group)
    group_leave(user=member, group_profile=open_group)

    assert _member_ids(open_group) == set()
    assert _count(open_group) == 0


def test_group_leave_when_not_a_member_says_so_and_keeps_the_count(open_group, member):
    add_member(open_group, UserFactory())
    with pytest.raises(ValidationError, match="not a member"):
        group_leave(user=member, group_profile=open_group)
    assert _count(open_group) == 1


def test_an_account_awaiting_approval_cannot_join(open_group):
    pending = UserFactory(approval_status=ApprovalStatus.PENDING)
    with pytest.raises(PermissionDenied, match="community members"):
        group_join(user=pending, group_profile=open_group)
    assert _member_ids(open_group) == set()


# --- ask-to-join groups ---------------------------------------------------------------------


def test_joining_a_request_group_directly_is_refused_with_a_clear_message(request_group, member):
    with pytest.raises(ValidationError, match="ask to join instead"):
        group_join(user=member, group_profile=request_group)
    assert _member_ids(request_group) == set()


def test_group_request_create_is_idempotent_while_pending(request_group, member):
    first, created = group_request_create(
        user=member, group_profile=request_group, message="  Please!  "
    )
    second, created_again = group_request_create(user=member, group_profile=request_group)

    assert created and not created_again
    assert first.pk == second.pk
    assert first.message == "Please!"
    assert GroupMembershipRequest.objects.count() == 1


def test_group_request_on_an_open_group_points_to_join(open_group, member):
    with pytest.raises(ValidationError, match="use Join"):
        group_request_create(user=member, group_profile=open_group)
    assert not GroupMembershipRequest.objects.exists()


def test_group_request_by_a_member_says_they_already_are_one(request_group, member):
    add_member(request_group, member)
    with pytest.raises(ValidationError, match="already a member"):
        group_request_create(user=member, group_profile=request_group)


def test_group_request_with_an_overlong_message_is_refused(request_group, member):
    with pytest.raises(ValidationError):
        group_request_create(user=member, group_profile=request_group, message="x" * 1001)
    assert not GroupMembershipRequest.objects.exists()


def test_approving_a_request_adds_the_member_and_emails_them_after_commit(
    request_group, make_manager, member, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://hearth.example"
    manager = make_manager(request_group)
    membership_request, _ = group_request_create(user=member, group_profile=request_group)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        group_request_decide(actor=manager, membership_request=membership_request, approve=True)

    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.APPROVED
    assert membership_request.decided_by == manager
    assert _member_ids(request_group) == {member.pk}
    assert _count(request_group) == 1
    assert callbacks  # the notice and the e-mail wait for the commit
    assert Notification.objects.get(kind="group_request_decided").recipient == member
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert "approved" in mail.outbox[0].body
    assert f"https://hearth.example/groups/{request_group.slug}/" in mail.outbox[0].body


def test_denying_a_request_keeps_them_out_and_emails_them(
    request_group, make_manager, member, django_capture_on_commit_callbacks
):
    manager = make_manager(request_group)
    membership_request, _ = group_request_create(user=member, group_profile=request_group)

    with django_capture_on_commit_callbacks(execute=True):
        group_request_decide(actor=manager, membership_request=membership_request, approve=False)

    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.DENIED
    assert _member_ids(request_group) == set()
    assert len(mail.outbox) == 1
    assert "not approved" in mail.outbox[0].body


def test_asking_again_within_7_days_of_a_denial_is_refused_with_the_date_to_ask_again(
    request_group, make_manager, member
):
    manager = make_manager(request_group)
    first, _ = group_request_create(user=member, group_profile=request_group)
    group_request_decide(actor=manager, membership_request=first, approve=False)
    first.refresh_from_db()
    again_from = timezone.localtime(first.decided_at + timedelta(days=7))

    with pytest.raises(ValidationError) as refused:
        group_request_create(user=member, group_profile=request_group)

    message = " ".join(refused.value.messages)
    assert "declined your request" in message
    assert f"from {again_from:%-d %B %Y, %H:%M}" in message
    assert list(GroupMembershipRequest.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_denial_in_another_group_does_not_stop_asking_here(make_group, make_manager, member):
    elsewhere, here = make_group(), make_group()
    denied, _ = group_request_create(user=member, group_profile=elsewhere)
    group_request_decide(actor=make_manager(elsewhere), membership_request=denied, approve=False)

    _, created = group_request_create(user=member, group_profile=here)

    assert created


def test_after_7_days_a_denied_member_may_ask_again(request_group, make_manager, member):
    manager = make_manager(request_group)
    first, _ = group_request_create(user=member, group_profile=request_group)
    group_request_decide(actor=manager, membership_request=first, approve=False)
    GroupMembershipRequest.objects.filter(pk=first.pk).update(
        decided_at=timezone.now() - timedelta(days=7, minutes=1)
    )

    second, created = group_request_create(user=member, group_profile=request_group)
    assert created and second.pk != first.pk


def test_a_new_request_emails_the_groups_managers_and_nobody_else(
    request_group,
    make_group,
    make_manager,
    community_manager,
    member,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SITE_URL = "https://hearth.example"
    first_manager = make_manager(request_group)
    second_manager = make_manager(request_group)
    make_manager(make_group())  # manages another group
    fellow = add_member(request_group, UserFactory())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        group_request_create(user=member, group_profile=request_group, message="Let me in!")

    assert callbacks  # the notices and the e-mails wait for the commit
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [first_manager.email, second_manager.email]
    )
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others
    recipients = {message.to[0] for message in mail.outbox}
    assert community_manager.email not in recipients
    assert fellow.email not in recipients and member.email not in recipients
    body = mail.outbox[0].body
    assert member.public_name in mail.outbox[0].subject
    assert "Let me in!" in body
    assert f"https://hearth.example/groups/{request_group.slug}/" in body


def test_a_request_to_a_group_without_managers_emails_nobody(
    request_group, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        group_request_create(user=member, group_profile=request_group)

    assert mail.outbox == []


def test_asking_twice_or_deciding_before_the_task_runs_sends_no_second_notice(
    request_group, make_manager, member, django_capture_on_commit_callbacks
):
    manager = make_manager(request_group)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership_request, _ = group_request_create(user=member, group_profile=request_group)
        group_request_create(user=member, group_profile=request_group)  # already pending
    assert len(callbacks) == 2  # the first request's in-app notice and e-mail task only

    group_request_decide(actor=manager, membership_request=membership_request, approve=True)
    assert group_request_managers_notify(request_id=membership_request.pk) == 0
    assert mail.outbox == []


def test_deciding_a_request_twice_is_refused_and_changes_nothing(
    request_group, make_manager, member, django_capture_on_commit_callbacks
):
    manager = make_manager(request_group)
    membership_request, _ = group_request_create(user=member, group_profile=request_group)
    group_request_decide(actor=manager, membership_request=membership_request, approve=True)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError, match="already approved"),
    ):
        group_request_decide(actor=manager, membership_request=membership_request, approve=False)
    assert callbacks == []
    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.APPROVED
    assert _count(request_group) == 1


def test_a_plain_member_cannot_decide_requests(request_group, member):
    requester = UserFactory()
    membership_request, _ = group_request_create(user=requester, group_profile=request_group)
    add_member(request_group, member)

    with pytest.raises(PermissionDenied):
        group_request_decide(actor=member, membership_request=membership_request, approve=True)
    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.PENDING
    assert requester.pk not in _member_ids(request_group)


# --- invitation-only groups -------------------------------------------------------------------


def test_invitation_only_group_refuses_join_and_request(make_group, member):
    group_profile = make_group(join_policy=JoinPolicy.INVITATION)

    with pytest.raises(ValidationError, match="invitation only"):
        group_join(user=member, group_profile=group_profile)
    with pytest.raises(ValidationError, match="invitation only"):
        group_request_create(user=member, group_profile=group_profile)
    assert _member_ids(group_profile) == set()
    assert not GroupMembershipRequest.objects.exists()


# --- hidden groups --------------------------------------------------------------------------


def test_joining_or_asking_to_join_a_hidden_group_you_cannot_see_is_a_404(make_group, member):
    hidden_open = make_group(visibility=GroupVisibility.HIDDEN, join_policy=JoinPolicy.OPEN)
    hidden_request = make_group(visibility=GroupVisibility.HIDDEN, join_policy=JoinPolicy.REQUEST)

    with pytest.raises(Http404):
        group_join(user=member, group_profile=hidden_open)
    with pytest.raises(Http404):
        group_request_create(user=member, group_profile=hidden_request)
    assert _member_ids(hidden_open) == set()
    assert not GroupMembershipRequest.objects.exists()


# --- removing members ---------------------------------------------------------------------


def test_a_manager_removes_a_member(open_group, make_manager, member):
    manager = make_manager(open_group)
    add_member(open_group, member)

    group_member_remove(actor=manager, group_profile=open_group, user=member)

    assert _member_ids(open_group) == set()
    assert _count(open_group) == 0


def test_a_manager_cannot_remove_themselves_or_a_co_manager(open_group, make_manager):
    manager = add_member(open_group, make_manager(open_group))
    co_manager = add_member(open_group, make_manager(open_group))

    with pytest.raises(ValidationError, match="use Leave"):
        group_member_remove(actor=manager, group_profile=open_group, user=manager)
    with pytest.raises(PermissionDenied, match="community manager"):
        group_member_remove(actor=manager, group_profile=open_group, user=co_manager)
    assert _member_ids(open_group) == {manager.pk, co_manager.pk}


def test_a_community_manager_may_remove_a_group_manager(
    open_group, make_manager, community_manager
):
    co_manager = add_member(open_group, make_manager(open_group))
    group_member_remove(actor=community_manager, group_profile=open_group, user=co_manager)
    assert _member_ids(open_group) == set()


def test_a_plain_member_cannot_remove_anyone(open_group, member):
    other = add_member(open_group, UserFactory())
    add_member(open_group, member)
    with pytest.raises(PermissionDenied):
        group_member_remove(actor=member, group_profile=open_group, user=other)
    assert _count(open_group) == 2


def test_removing_someone_who_is_not_a_member_says_so(open_group, make_manager, member):
    manager = make_manager(open_group)
    with pytest.raises(ValidationError, match="not a member"):
        group_member_remove(actor=manager, group_profile=open_group, user=member)


# --- direct adds and counters ---------------------------------------------------------------


def test_group_member_add_is_for_community_managers_only(
    hidden_group, make_manager, community_manager, member
):
    manager = make_manager(hidden_group)
    with pytest.raises(PermissionDenied):
        group_member_add(actor=manager, group_profile=hidden_group, user=member)

    assert group_member_add(actor=community_manager, group_profile=hidden_group, user=member)
    assert not group_member_add(actor=community_manager, group_profile=hidden_group, user=member)
    assert _count(hidden_group) == 1


def test_group_member_counts_synchronize_repairs_a_drifted_counter(open_group):
    add_member(open_group, UserFactory())
    add_member(open_group, UserFactory())
    GroupProfile.objects.filter(pk=open_group.pk).update(member_count=99)

    group_member_counts_synchronize()

    assert _count(open_group) == 2


def test_group_delete_removes_the_auth_group_its_memberships_and_grants(
    hidden_group, community_manager
):
    from django.contrib.auth.models import Group

    from members.models import GroupProfileGroupObjectPermission
    from members.services.groups import group_delete

    member = add_member(hidden_group, UserFactory())
    with pytest.raises(PermissionDenied):
        group_delete(actor=community_manager, group_profile=hidden_group)  # no delete perm

    group_delete(actor=UserFactory(is_superuser=True), group_profile=hidden_group)

    assert not Group.objects.filter(pk=hidden_group.group_id).exists()
    assert not GroupProfile.objects.exists()
    assert not GroupProfileGroupObjectPermission.objects.exists()
    assert not member.groups.filter(pk=hidden_group.group_id).exists()
