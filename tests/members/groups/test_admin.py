import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import get_perms
from PIL import Image

from members.models import (
    GroupMembershipRequest,
    GroupProfile,
    GroupVisibility,
    JoinPolicy,
    RequestStatus,
)
from members.permissions import can_manage_group
from members.services.groups import group_invite, group_request_create
from tests.members.factories import UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, community_manager):
    client.force_login(community_manager)
    return client


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_community_manager_creates_a_group_in_the_admin_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:members_groupprofile_add"),
        {
            "name": "Beta Program",
            "slug": "beta-program",
            "description": "**Early** builds",
            "visibility": GroupVisibility.HIDDEN,
            "join_policy": JoinPolicy.REQUEST,
            "cover_image": SimpleUploadedFile("../../etc/cover.png", _png(), "image/png"),
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    group_profile = GroupProfile.objects.get(slug="beta-program")
    assert group_profile.group.name == "Beta Program"
    assert "<strong>Early</strong>" in group_profile.description_html
    assert get_perms(group_profile.group, group_profile) == ["view_groupprofile"]
    assert group_profile.cover_image.name.startswith("groups/group-cover-")
    assert ".." not in group_profile.cover_image.name


def test_the_admin_refuses_a_cover_that_is_not_an_image_and_creates_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:members_groupprofile_add"),
        {
            "name": "Beta Program",
            "slug": "beta-program",
            "visibility": GroupVisibility.LISTED,
            "join_policy": JoinPolicy.REQUEST,
            "cover_image": SimpleUploadedFile(
                "cover.png", b"<svg onload=alert(1)></svg>", "image/png"
            ),
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["cover_image"]
    assert not GroupProfile.objects.exists()


def test_the_admin_refuses_a_name_taken_by_a_role(admin_client):
    response = admin_client.post(
        reverse("admin:members_groupprofile_add"),
        {
            "name": "Moderators",
            "slug": "mods",
            "visibility": GroupVisibility.LISTED,
            "join_policy": JoinPolicy.REQUEST,
        },
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not GroupProfile.objects.exists()


def test_editing_a_group_in_the_admin_renames_the_auth_group(admin_client, make_group):
    group_profile = make_group(name="Old name")

    response = admin_client.post(
        reverse("admin:members_groupprofile_change", args=[group_profile.pk]),
        {
            "name": "New name",
            "slug": group_profile.slug,
            "description": "Changed",
            "visibility": GroupVisibility.LISTED,
            "join_policy": JoinPolicy.OPEN,
        },
    )

    assert response.status_code == 302
    group_profile.refresh_from_db()
    group_profile.group.refresh_from_db()
    assert group_profile.group.name == "New name"
    assert group_profile.join_policy == JoinPolicy.OPEN
    assert group_profile.description_html.strip() == "<p>Changed</p>"


def test_the_group_admin_list_and_change_pages_render(admin_client, make_group):
    group_profile = make_group()

    changelist = admin_client.get(reverse("admin:members_groupprofile_changelist"))
    change = admin_client.get(reverse("admin:members_groupprofile_change", args=[group_profile.pk]))
    permissions = admin_client.get(
        reverse("admin:members_groupprofile_permissions", args=[group_profile.pk])
    )

    assert changelist.status_code == change.status_code == 200
    assert group_profile.name in changelist.content.decode()
    assert reverse("admin:members_groupprofile_members", args=[group_profile.pk]) in (
        change.content.decode()
    )
    # guardian's object-permission page is there (it may redirect without guardian perms).
    assert permissions.status_code in {200, 302}


def test_the_admin_members_page_adds_by_username_or_email_and_removes_selected(
    admin_client, make_group
):
    group_profile = make_group(join_policy=JoinPolicy.INVITATION)
    by_name = UserFactory(username="alice")
    by_email = UserFactory(username="bob")
    url = reverse("admin:members_groupprofile_members", args=[group_profile.pk])

    response = admin_client.post(
        url, {"action": "add", "people": "ALICE\nBob@Example.org\nnobody-here"}, follow=True
    )

    content = response.content.decode()
    assert set(group_profile.group.user_set.values_list("pk", flat=True)) == {
        by_name.pk,
        by_email.pk,
    }
    assert "Added 2 member(s)" in content
    assert "No account found for: nobody-here" in content
    assert GroupProfile.objects.get(pk=group_profile.pk).member_count == 2

    admin_client.post(url, {"action": "make_manager", "user": [str(by_name.pk)]})
    assert can_manage_group(type(by_name).objects.get(pk=by_name.pk), group_profile)

    admin_client.post(url, {"action": "remove", "user": [str(by_email.pk)]})
    assert set(group_profile.group.user_set.values_list("pk", flat=True)) == {by_name.pk}
    assert GroupProfile.objects.get(pk=group_profile.pk).member_count == 1


@pytest.mark.parametrize("object_id", ["abc", "1" * 21, "²", "9" * 400, "-1"])
def test_the_admin_members_page_for_a_malformed_group_id_is_a_404(admin_client, object_id):
    response = admin_client.get(f"/admin/members/groupprofile/{object_id}/members/")

    assert response.status_code == 404


@pytest.mark.parametrize("bad_id", ["²", "junk", "1" * 21, "0", ""])
def test_the_admin_members_page_refuses_a_tampered_selection_with_a_form_error(
    admin_client, make_group, bad_id
):
    group_profile = make_group(join_policy=JoinPolicy.OPEN)
    person = add_member(group_profile, UserFactory())
    url = reverse("admin:members_groupprofile_members", args=[group_profile.pk])

    response = admin_client.post(url, {"action": "remove", "user": [str(person.pk), bad_id]})

    assert response.status_code == 400
    assert "reload the page and try again" in response.content.decode()
    assert set(group_profile.group.user_set.values_list("pk", flat=True)) == {person.pk}


def test_the_admin_members_page_asks_to_select_someone_first(admin_client, make_group):
    group_profile = make_group()
    url = reverse("admin:members_groupprofile_members", args=[group_profile.pk])

    response = admin_client.post(url, {"action": "remove"})

    assert response.status_code == 400
    assert "Select at least one member first." in response.content.decode()


def test_the_admin_members_page_is_not_for_staff_without_the_manage_permission(client, make_group):
    staff = UserFactory()
    type(staff).objects.filter(pk=staff.pk).update(is_staff=True)  # staff, but no group perms
    client.force_login(staff)
    group_profile = make_group()

    response = client.get(reverse("admin:members_groupprofile_members", args=[group_profile.pk]))

    assert response.status_code in {403, 404}


def test_approve_selected_requests_admin_action_calls_the_service(
    admin_client, request_group, django_capture_on_commit_callbacks
):
    first, second = UserFactory(), UserFactory()
    group_request_create(user=first, group_profile=request_group)
    group_request_create(user=second, group_profile=request_group)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:members_groupmembershiprequest_changelist"),
            {
                "action": "approve_selected",
                "_selected_action": list(
                    GroupMembershipRequest.objects.values_list("pk", flat=True)
                ),
            },
            follow=True,
        )

    assert "Approved 2 request(s)" in response.content.decode()
    assert set(request_group.group.user_set.values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert GroupProfile.objects.get(pk=request_group.pk).member_count == 2
    assert len(mail.outbox) == 2


def test_deny_selected_requests_admin_action_and_status_filter(admin_client, request_group):
    requester = UserFactory()
    group_request_create(user=requester, group_profile=request_group)

    admin_client.post(
        reverse("admin:members_groupmembershiprequest_changelist"),
        {
            "action": "deny_selected",
            "_selected_action": list(GroupMembershipRequest.objects.values_list("pk", flat=True)),
        },
    )
    filtered = admin_client.get(
        reverse("admin:members_groupmembershiprequest_changelist") + "?status__exact=denied"
    )

    assert GroupMembershipRequest.objects.get().status == RequestStatus.DENIED
    assert requester.username in filtered.content.decode()
    assert not request_group.group.user_set.exists()


def test_the_invitation_admin_is_read_only_with_a_withdraw_action(
    admin_client, hidden_group, community_manager
):
    invitation = group_invite(
        actor=community_manager,
        group_profile=hidden_group,
        email="guest@example.net",
    )
    change_url = reverse("admin:members_groupinvitation_change", args=[invitation.pk])

    assert admin_client.get(reverse("admin:members_groupinvitation_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:members_groupinvitation_add")).status_code == 403
    assert admin_client.post(change_url, {"email": "evil@example.net"}).status_code == 403
    admin_client.post(
        reverse("admin:members_groupinvitation_changelist"),
        {"action": "withdraw_selected", "_selected_action": [invitation.pk]},
    )

    invitation.refresh_from_db()
    assert invitation.email == "guest@example.net"
    assert invitation.revoked_at is not None


def test_a_hidden_group_member_added_in_the_admin_can_see_the_group(admin_client, hidden_group):
    person = UserFactory(username="carol")
    admin_client.post(
        reverse("admin:members_groupprofile_members", args=[hidden_group.pk]),
        {"action": "add", "people": "carol"},
    )
    viewer = Client()
    viewer.force_login(person)

    assert viewer.get(reverse("groups:detail", args=[hidden_group.slug])).status_code == 200
