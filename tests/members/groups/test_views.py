import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import BRANDING_ID, SiteBranding
from community.services import branding_cache_clear
from members.models import (
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupVisibility,
    JoinPolicy,
    Profile,
    RequestStatus,
)
from members.selectors.groups import groups_for_profile
from members.services.groups import group_create, group_invite, group_request_create
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory
from tests.members.groups.conftest import add_member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name: str, group_profile, *args) -> str:
    return reverse(f"groups:{name}", args=[group_profile.slug, *args])


def _member_ids(group_profile) -> set[int]:
    return set(group_profile.group.user_set.values_list("pk", flat=True))


def _count(group_profile) -> int:
    return GroupProfile.objects.get(pk=group_profile.pk).member_count


# --- the list ---------------------------------------------------------------------------------


def test_group_list_shows_listed_groups_with_the_viewers_state_and_hides_hidden_ones(
    client_as_member, member, make_group
):
    joined = add_member(make_group(name="Joined one", join_policy=JoinPolicy.OPEN), member)
    assert joined
    make_group(name="Open one", join_policy=JoinPolicy.OPEN)
    asked = make_group(name="Asked one")
    group_request_create(user=member, group_profile=asked)
    make_group(name="Secret board", visibility=GroupVisibility.HIDDEN)

    response = client_as_member.get(reverse("groups:list"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Joined one" in content and "You are a member" in content
    assert "Open one" in content and "You can join" in content
    assert "Asked one" in content and "Request pending" in content
    assert "Secret board" not in content


def test_group_list_includes_a_hidden_group_for_its_members(client_as_member, member, make_group):
    hidden = make_group(name="Secret board", visibility=GroupVisibility.HIDDEN)
    add_member(hidden, member)

    content = client_as_member.get(reverse("groups:list")).content.decode()

    assert "Secret board" in content
    assert "Hidden" in content


def test_a_visitor_sees_listed_groups_of_a_public_community(client, make_group):
    make_group(name="Public space")
    make_group(name="Secret board", visibility=GroupVisibility.HIDDEN)

    content = client.get(reverse("groups:list")).content.decode()

    assert "Public space" in content
    assert "Secret board" not in content


def test_a_visitor_of_a_members_only_community_is_sent_to_sign_in(client, make_group):
    make_group(name="Public space")
    SiteBranding.objects.filter(pk=BRANDING_ID).update(members_only=True)
    branding_cache_clear()

    response = client.get(reverse("groups:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("viewer_kind", ["visitor", "member", "group manager", "community manager"])
def test_group_list_query_count_does_not_grow_with_groups(
    client, community_manager, make_manager, viewer_kind
):
    viewer = {
        "visitor": UserFactory(),  # created for the set-up below, never signed in
        "member": UserFactory(),
        "group manager": UserFactory(),
        "community manager": community_manager,
    }[viewer_kind]
    if viewer_kind != "visitor":
        client.force_login(viewer)
    created = iter(range(1000))

    def make(count: int) -> None:
        for _ in range(count):
            n = next(created)
            group_profile = group_create(
                actor=community_manager,
                name=f"Listed {n}",
                slug=f"listed-{n}",
                visibility=GroupVisibility.HIDDEN if n % 3 == 0 else GroupVisibility.LISTED,
            )
            if viewer_kind == "group manager" and n % 2:
                make_manager(group_profile, user=viewer)
            if n % 4 == 0:
                add_member(group_profile, viewer)

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("groups:list")).status_code == 200
        return len(ctx.captured_queries)

    make(3)
    run()  # warm content types and the branding cache
    few = run()
    make(27)
    # Joining groups replaces the viewer's access version, so the first page after it
    # recomputes what is cached under it (the header's Dashboard link); then compare.
    run()
    assert run() == few


# --- the detail page ----------------------------------------------------------------------------


def test_guessing_a_hidden_groups_slug_gives_the_same_404_as_a_missing_slug(
    client_as_member, make_group
):
    hidden = make_group(visibility=GroupVisibility.HIDDEN)

    guessed = client_as_member.get(reverse("groups:detail", args=[hidden.slug]))
    missing = client_as_member.get(reverse("groups:detail", args=["no-such-group"]))

    assert guessed.status_code == missing.status_code == 404
    assert guessed.content == missing.content


@pytest.mark.parametrize("action", ["join", "request", "leave", "invite"])
def test_posting_actions_on_a_hidden_group_is_a_404_and_stores_nothing(
    client_as_member, member, make_group, action
):
    hidden = make_group(visibility=GroupVisibility.HIDDEN, join_policy=JoinPolicy.OPEN)
    missing = client_as_member.post(f"/groups/no-such-group/{action}/", {"email": "a@b.net"})

    response = client_as_member.post(_url(action, hidden), {"email": "a@b.net", "message": "hi"})

    assert response.status_code == 404
    assert response.content == missing.content
    assert _member_ids(hidden) == set()
    assert not GroupMembershipRequest.objects.exists()
    assert not GroupInvitation.objects.exists()


def test_group_detail_renders_the_description_safely(client_as_member, make_group):
    group_profile = make_group(
        description="<script>alert(1)</script><img src=x onerror=alert(1)> "
        '[x](javascript:alert(1)) <div hx-get="/admin/" hx-trigger="load">x</div>'
    )

    response = client_as_member.get(_url("detail", group_profile))

    assert response.status_code == 200
    about = response.content.decode().split('id="group-about-title"')[1].split("</section>")[0]
    assert unsafe_markup(about) == []


def test_the_member_list_is_for_members_and_managers_others_see_the_count(
    client, make_group, make_manager
):
    group_profile = make_group(join_policy=JoinPolicy.OPEN)
    insider = add_member(group_profile, UserFactory(display_name="Insider Person"))
    manager = make_manager(group_profile)
    outsider = UserFactory()

    client.force_login(outsider)
    outside_view = client.get(_url("detail", group_profile)).content.decode()
    client.force_login(insider)
    inside_view = client.get(_url("detail", group_profile)).content.decode()
    client.force_login(manager)
    manager_view = client.get(_url("detail", group_profile)).content.decode()

    assert "Insider Person" not in outside_view
    assert "1 member." in outside_view
    assert "Insider Person" in inside_view
    assert "Insider Person" in manager_view
    assert _url("member-remove", group_profile, insider.pk) in manager_view
    assert _url("member-remove", group_profile, insider.pk) not in inside_view


def test_group_detail_query_count_does_not_grow_with_members_or_requests(
    client, make_group, make_manager
):
    group_profile = make_group()
    manager = add_member(group_profile, make_manager(group_profile))
    client.force_login(manager)

    def grow(count: int) -> None:
        for _ in range(count):
            add_member(group_profile, UserFactory())
            group_request_create(user=UserFactory(), group_profile=group_profile)

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(_url("detail", group_profile)).status_code == 200
        return len(ctx.captured_queries)

    grow(3)
    run()
    few = run()
    grow(20)
    assert run() == few
    # session, user, the viewer's global permissions (2), the group (access_group), the
    # manager check made once (guardian: user and group grants), the viewer's state,
    # managers, requests, invitations, the member count and one page of members.
    assert few <= 13  # 12 when sessions are read from Redis (cached_db)


# --- POST-only actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("join", ()),
        ("leave", ()),
        ("request", ()),
        ("invite", ()),
        ("request-decide", (1,)),
        ("member-remove", (1,)),
        ("invitation-withdraw", (1,)),
    ],
)
def test_group_actions_answer_get_with_405_and_change_nothing(
    client_as_member, member, make_group, name, extra
):
    group_profile = make_group(join_policy=JoinPolicy.OPEN)

    response = client_as_member.get(_url(name, group_profile, *extra))

    assert response.status_code == 405
    assert _member_ids(group_profile) == set()


def test_a_visitor_pressing_join_is_sent_to_sign_in_and_back_to_the_group(client, open_group):
    response = client.post(_url("join", open_group))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={_url('detail', open_group)}"
    assert _member_ids(open_group) == set()


def test_joining_an_open_group_with_a_plain_post_redirects_with_a_welcome(
    client_as_member, member, open_group
):
    response = client_as_member.post(_url("join", open_group), follow=True)

    assert response.redirect_chain[-1][0] == _url("detail", open_group)
    assert f"Welcome to {open_group.name}" in response.content.decode()
    assert _member_ids(open_group) == {member.pk}


def test_joining_with_htmx_returns_the_action_box_only(client_as_member, member, open_group):
    response = client_as_member.post(_url("join", open_group), **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="group-actions"')
    assert "Leave group" in content
    assert _member_ids(open_group) == {member.pk}


def test_joining_an_invitation_only_group_shows_why_and_stores_nothing(
    client_as_member, make_group
):
    group_profile = make_group(join_policy=JoinPolicy.INVITATION)

    response = client_as_member.post(_url("join", group_profile), follow=True)
    htmx = client_as_member.post(_url("request", group_profile), **HTMX)

    assert "invitation only" in response.content.decode()
    assert "invitation only" in htmx.content.decode()
    assert _member_ids(group_profile) == set()
    assert not GroupMembershipRequest.objects.exists()


def test_asking_to_join_then_a_manager_approving_with_htmx(
    client, member, request_group, make_manager, django_capture_on_commit_callbacks
):
    manager = make_manager(request_group)
    client.force_login(member)
    client.post(_url("request", request_group), {"message": "I test everything."})
    membership_request = GroupMembershipRequest.objects.get()
    assert membership_request.message == "I test everything."

    client.force_login(manager)
    detail = client.get(_url("detail", request_group)).content.decode()
    assert "I test everything." in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("request-decide", request_group, membership_request.pk),
            {"decision": "approve"},
            **HTMX,
        )

    assert response.status_code == 200
    assert (
        response.content.decode().lstrip().startswith(f'<li id="request-{membership_request.pk}"')
    )
    assert "joined the group" in response.content.decode()
    assert _member_ids(request_group) == {member.pk}
    assert len(mail.outbox) == 1


def test_asking_with_an_overlong_message_is_refused_with_a_message(client_as_member, request_group):
    response = client_as_member.post(
        _url("request", request_group), {"message": "x" * 1001}, follow=True
    )

    assert "at most 1000 characters" in response.content.decode()
    assert not GroupMembershipRequest.objects.exists()


def test_a_plain_member_cannot_decide_requests_through_the_view(client, member, request_group):
    requester = UserFactory()
    membership_request, _ = group_request_create(user=requester, group_profile=request_group)
    add_member(request_group, member)
    client.force_login(member)

    response = client.post(
        _url("request-decide", request_group, membership_request.pk), {"decision": "approve"}
    )

    assert response.status_code == 403
    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.PENDING


def test_deciding_a_request_of_another_group_is_a_404(client, make_group, make_manager):
    mine, theirs = make_group(), make_group()
    manager = make_manager(mine)
    membership_request, _ = group_request_create(user=UserFactory(), group_profile=theirs)
    client.force_login(manager)

    response = client.post(
        _url("request-decide", mine, membership_request.pk), {"decision": "approve"}
    )

    assert response.status_code == 404
    membership_request.refresh_from_db()
    assert membership_request.status == RequestStatus.PENDING


def test_a_manager_invites_by_email_from_the_group_page(
    client, hidden_group, make_manager, django_capture_on_commit_callbacks
):
    manager = make_manager(hidden_group)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("invite", hidden_group), {"email": "guest@example.net"}, follow=True
        )

    assert "Invitation sent to guest@example.net" in response.content.decode()
    assert GroupInvitation.objects.get().email == "guest@example.net"
    assert mail.outbox[0].to == ["guest@example.net"]


def _invitation(group_profile, manager, email: str = "guest@example.net"):
    return group_invite(actor=manager, group_profile=group_profile, email=email)


def test_a_manager_withdraws_an_open_invitation_from_the_group_page(
    client, hidden_group, make_manager
):
    manager = make_manager(hidden_group)
    invitation = _invitation(hidden_group, manager)
    client.force_login(manager)
    withdraw_url = _url("invitation-withdraw", hidden_group, invitation.pk)
    assert withdraw_url in client.get(_url("detail", hidden_group)).content.decode()

    response = client.post(withdraw_url, follow=True)

    assert response.redirect_chain[-1][0] == _url("detail", hidden_group)
    content = response.content.decode()
    assert "The invitation to guest@example.net was withdrawn" in content
    assert withdraw_url not in content  # no longer waiting for an answer
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_withdrawing_with_htmx_returns_the_invite_panel_and_says_when_nothing_was_left(
    client, hidden_group, make_manager
):
    manager = make_manager(hidden_group)
    invitation = _invitation(hidden_group, manager)
    client.force_login(manager)
    withdraw_url = _url("invitation-withdraw", hidden_group, invitation.pk)

    first = client.post(withdraw_url, **HTMX)
    again = client.post(withdraw_url, **HTMX)

    assert first.status_code == again.status_code == 200
    assert first.content.decode().lstrip().startswith('<section id="group-invite"')
    assert "was withdrawn" in first.content.decode()
    assert "already used or withdrawn" in again.content.decode()


def test_a_member_who_does_not_manage_the_group_cannot_withdraw_an_invitation(
    client, hidden_group, make_manager
):
    invitation = _invitation(hidden_group, make_manager(hidden_group))
    insider = add_member(hidden_group, UserFactory())
    client.force_login(insider)

    response = client.post(_url("invitation-withdraw", hidden_group, invitation.pk))

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_withdrawing_an_invitation_of_another_group_through_mine_is_a_404(
    client, make_group, make_manager
):
    mine = make_group(join_policy=JoinPolicy.INVITATION)
    theirs = make_group(join_policy=JoinPolicy.INVITATION)
    manager = make_manager(mine)
    invitation = _invitation(theirs, make_manager(theirs))
    client.force_login(manager)

    response = client.post(_url("invitation-withdraw", mine, invitation.pk))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("email", ["not-an-email", "a\x00b@example.net", "x" * 300])
def test_inviting_a_bad_address_shows_the_form_error_and_stores_nothing(
    client, hidden_group, make_manager, email
):
    client.force_login(make_manager(hidden_group))

    response = client.post(_url("invite", hidden_group), {"email": email})

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"]
    assert not GroupInvitation.objects.exists()


def test_an_invitation_is_addressed_to_the_normal_form_of_the_address(
    client, hidden_group, make_manager
):
    client.force_login(make_manager(hidden_group))

    client.post(_url("invite", hidden_group), {"email": '"Maya"@B\u00fccher.example'})

    (invitation,) = GroupInvitation.objects.all()
    assert invitation.email == "maya@xn--bcher-kva.example"  # as her sign-up stores it


def test_a_manager_removes_a_member_with_htmx(client, open_group, make_manager):
    manager = make_manager(open_group)
    member = add_member(open_group, UserFactory())
    client.force_login(manager)

    response = client.post(_url("member-remove", open_group, member.pk), **HTMX)

    assert response.status_code == 200
    assert "was removed" in response.content.decode()
    assert _member_ids(open_group) == set()
    assert _count(open_group) == 0


def test_leaving_a_hidden_group_goes_back_to_the_group_list(client, hidden_group):
    member = add_member(hidden_group, UserFactory())
    client.force_login(member)

    response = client.post(_url("leave", hidden_group))
    htmx = client.post(_url("leave", hidden_group), **HTMX)

    assert response.status_code == 302
    assert response["Location"] == reverse("groups:list")
    assert htmx.status_code == 404  # no longer a member: the group is invisible again
    assert _member_ids(hidden_group) == set()


# --- groups on a profile ----------------------------------------------------------------------


def test_groups_for_profile_lists_only_groups_whose_member_list_the_viewer_may_see(
    make_group, make_manager, community_manager
):
    listed = make_group(name="Listed")
    hidden = make_group(name="Hidden", visibility=GroupVisibility.HIDDEN)
    other = make_group(name="Other")
    person = add_member(listed, UserFactory())
    add_member(hidden, person)
    add_member(other, person)
    fellow = add_member(hidden, UserFactory())  # shares only the hidden group
    listed_manager = make_manager(listed)  # manages the listed group, member of none
    stranger = UserFactory()

    assert groups_for_profile(profile_user=person, viewer=AnonymousUser()) == []
    assert groups_for_profile(profile_user=person, viewer=stranger) == []
    assert groups_for_profile(profile_user=person, viewer=fellow) == [hidden]
    assert groups_for_profile(profile_user=person, viewer=listed_manager) == [listed]
    assert groups_for_profile(profile_user=person, viewer=community_manager) == [
        hidden,
        listed,
        other,
    ]
    assert groups_for_profile(profile_user=person, viewer=person) == [hidden, listed, other]


def test_a_profile_shows_groups_only_to_fellow_members_and_to_the_person(client, make_group):
    shared = make_group(name="Shared Circle")
    hidden = make_group(name="Quiet Board", visibility=GroupVisibility.HIDDEN)
    elsewhere = make_group(name="Elsewhere Club")
    person = UserFactory()
    for group_profile in (shared, hidden, elsewhere):
        add_member(group_profile, person)
    fellow = add_member(shared, UserFactory())
    url = reverse("members:profile", args=[person.username])
    names = ("Shared Circle", "Quiet Board", "Elsewhere Club")

    def shown(viewer) -> set[str]:
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        return {name for name in names if name in response.content.decode()}

    assert shown(None) == set()  # a visitor of a public community
    assert shown(UserFactory()) == set()  # a member who shares no group
    assert shown(fellow) == {"Shared Circle"}
    assert shown(person) == set(names)  # hidden included


def test_groups_for_profile_query_count_does_not_grow_with_groups(make_group, make_manager):
    person = UserFactory()
    viewer = UserFactory()

    def grow(count: int) -> None:
        for _ in range(count):
            add_member(make_group(), person)  # not the viewer's group: left out
            shared = make_group()
            add_member(shared, person)
            add_member(shared, viewer)
            managed = make_group(visibility=GroupVisibility.HIDDEN)
            add_member(managed, person)
            make_manager(managed, user=viewer)

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = groups_for_profile(profile_user=person, viewer=viewer)
            assert all(row.name for row in rows)  # names come with the rows
        return len(ctx.captured_queries)

    grow(2)
    run()
    few = run()
    grow(10)
    assert run() == few


# --- races ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_join_makes_one_membership_and_counts_it_once(migration_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writes and hides the race; CI runs this on PostgreSQL")
    manager = UserFactory(roles=["Community managers"])
    group_profile = group_create(
        actor=manager, name="Race", slug="race", join_policy=JoinPolicy.OPEN
    )
    member = UserFactory()
    barrier = threading.Barrier(2)

    def join(_):
        client = Client(raise_request_exception=False)
        client.force_login(member)
        barrier.wait()  # both requests reach the view together
        try:
            return client.post(_url("join", group_profile)).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(join, range(2)))

    assert group_profile.group.user_set.filter(pk=member.pk).count() == 1
    assert _count(group_profile) == 1
    assert 500 not in codes


# --- member avatars -----------------------------------------------------------------------------


def _member_list(html: str) -> str:
    return html.split('id="group-members-title"')[1].split("</section>")[0]


def test_group_detail_shows_each_members_avatar_photo_or_initials(client, make_group):
    group_profile = make_group()
    with_photo = add_member(group_profile, UserFactory(username="ada", display_name="Ada Byron"))
    Profile.objects.create(user=with_photo, avatar="avatars/ada.png")
    add_member(group_profile, UserFactory(display_name="Grace Hopper"))
    no_profile = add_member(group_profile, UserFactory(display_name="Alan Turing"))
    Profile.objects.filter(user=no_profile).delete()  # bulk imports leave accounts without one
    client.force_login(with_photo)

    members = _member_list(client.get(_url("detail", group_profile)).content.decode())

    assert '<img class="avatar avatar--sm" src="/media/avatars/ada.png"' in members
    assert '<span class="avatar avatar--sm avatar--c' in members
    assert ">GH</span>" in members
    assert ">AT</span>" in members
    avatars = [attrs for _, attrs in parse_elements(members) if "avatar" in attrs.get("class", "")]
    assert len(avatars) == 3


def test_group_member_list_with_photos_stays_a_bounded_number_of_queries(
    client, make_group, django_assert_max_num_queries
):
    group_profile = make_group()
    people = [add_member(group_profile, UserFactory()) for _ in range(40)]  # more than a page
    for person in people:
        Profile.objects.create(user=person, avatar=f"avatars/{person.username}.png")
    client.force_login(people[0])
    client.get(_url("detail", group_profile))  # warm content types and the branding cache

    # user, the viewer's global permissions (2), the group, the manager check (2), the
    # viewer's state, managers, the member count, one page of members with their profiles;
    # one more when sessions are read from the database instead of Redis.
    with django_assert_max_num_queries(11):
        response = client.get(_url("detail", group_profile))

    members = _member_list(response.content.decode())
    assert members.count('<img class="avatar avatar--sm"') == 30  # one page (MEMBERS_PER_PAGE)
