"""Every change to what a person may see or do takes effect on that person's very next
request, whichever path made it. Each test warms the cache first (the member's reach is
cached for minutes), makes the change the way a person does (a button, an admin form, a
service call), then asks again at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from forums import signals as forum_signals
from forums.models import Category, CategoryAccess, CategoryUserObjectPermission
from forums.permissions import member_reach
from forums.services.categories import category_access_grant
from members import roles
from members import signals as member_signals
from members.access import access_changed
from members.models import (
    ApprovalStatus,
    GroupMembershipRequest,
    GroupVisibility,
    JoinPolicy,
    MemberApplication,
    User,
)
from members.services.groups import (
    group_create,
    group_invite,
    group_join,
    group_manager_add,
    group_manager_remove,
    group_member_add,
    group_update,
    invitation_token_make,
)
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory, role_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_the_safety_net():
    """The services replace the access versions themselves; the signals only back them up
    for writes that bypass every service. Every path here must work with them switched off."""
    receivers = [
        (post_save, Group, "members-access-group-save", member_signals._group_changed),
        (post_delete, Group, "members-access-group-delete", member_signals._group_changed),
        (m2m_changed, None, "members-access-m2m", member_signals._memberships_changed),
        (post_save, User, "members-access-user", member_signals._user_saved),
        (post_save, Category, "forums-access-category-save", forum_signals._category_changed),
        (post_delete, Category, "forums-access-category-delete", forum_signals._category_changed),
    ]
    for signal, sender, uid, _ in receivers:
        assert signal.disconnect(sender=sender, dispatch_uid=uid)
    yield
    for signal, sender, uid, receiver in receivers:
        signal.connect(receiver, sender=sender, dispatch_uid=uid)


@pytest.fixture
def carmen(db):
    """A community manager: works in the admin."""
    return UserFactory(username="carmen", roles=[roles.COMMUNITY_MANAGERS])


@pytest.fixture
def maya(db):
    return UserFactory(username="maya")


@pytest.fixture
def beta(carmen):
    """The Beta Program: an open group whose auth Group is granted the private category."""
    group_profile = group_create(
        actor=carmen,
        name="Beta Program",
        slug="beta-program",
        join_policy=JoinPolicy.OPEN,
    )
    category = CategoryFactory(private=True, name="Beta", slug="beta")
    category_access_grant(category=category, group=group_profile.group)
    topic = TopicFactory(category=category, title="Build 42 notes")
    PostFactory(topic=topic, author=topic.author, body="Secret roadmap")
    group_profile.private_topic = topic
    return group_profile


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status(client, url) -> int:
    return client.get(url).status_code


@pytest.fixture
def topic_url(beta):
    return beta.private_topic.get_absolute_url()


@pytest.fixture
def admin(carmen):
    return client_for(carmen)


# --- Groups ---------------------------------------------------------------------------------


def test_leave_group_journey_closes_the_private_topic_on_the_next_request(maya, beta, topic_url):
    client = client_for(maya)
    assert status(client, topic_url) == 404  # not in the group yet

    joined = client.post(reverse("groups:join", args=[beta.slug]))
    assert joined.status_code == 302
    opened = client.get(topic_url)
    assert opened.status_code == 200
    assert "Secret roadmap" in opened.content.decode()
    assert status(client, reverse("forums:latest")) == 200  # the list's cache is warm too
    assert "Build 42 notes" in client.get(reverse("forums:latest")).content.decode()

    left = client.post(reverse("groups:leave", args=[beta.slug]))
    assert left.status_code == 302
    assert not maya.groups.filter(pk=beta.group_id).exists()

    assert status(client, topic_url) == 404
    assert "Build 42 notes" not in client.get(reverse("forums:latest")).content.decode()
    assert status(client, beta.private_topic.category.get_absolute_url()) == 404


def test_a_group_manager_removing_a_member_closes_the_topic_for_them(maya, beta, topic_url, carmen):
    manager = UserFactory()
    group_manager_add(actor=carmen, group_profile=beta, user=manager)
    group_join(user=maya, group_profile=beta)
    client = client_for(maya)
    assert status(client, topic_url) == 200

    removed = client_for(manager).post(reverse("groups:member-remove", args=[beta.slug, maya.pk]))

    assert removed.status_code in {200, 302}
    assert status(client, topic_url) == 404


def test_a_community_manager_adding_someone_in_the_admin_opens_the_topic(
    maya, beta, topic_url, admin
):
    client = client_for(maya)
    assert status(client, topic_url) == 404

    added = admin.post(
        reverse("admin:members_groupprofile_members", args=[beta.pk]),
        {"action": "add", "people": "maya"},
    )

    assert added.status_code == 302
    assert status(client, topic_url) == 200


def test_accepting_an_invitation_opens_the_topic(maya, beta, topic_url, carmen):
    group_update(actor=carmen, group_profile=beta, join_policy=JoinPolicy.INVITATION)
    client = client_for(maya)
    assert status(client, topic_url) == 404
    invitation = group_invite(actor=carmen, group_profile=beta, email=maya.email)

    accepted = client.post(
        reverse("groups:invitation-accept", args=[invitation_token_make(invitation=invitation)])
    )

    assert accepted.status_code == 302
    assert status(client, topic_url) == 200


def test_a_group_manager_approving_a_request_to_join_opens_the_topic(maya, beta, topic_url, carmen):
    group_update(actor=carmen, group_profile=beta, join_policy=JoinPolicy.REQUEST)
    manager = UserFactory()
    group_manager_add(actor=carmen, group_profile=beta, user=manager)
    client = client_for(maya)
    assert status(client, topic_url) == 404
    asked = client.post(reverse("groups:request", args=[beta.slug]), {"message": "Please"})
    assert asked.status_code == 302
    assert status(client, topic_url) == 404  # asking is not joining
    membership_request = GroupMembershipRequest.objects.get(user=maya, group_profile=beta)

    decided = client_for(manager).post(
        reverse("groups:request-decide", args=[beta.slug, membership_request.pk]),
        {"decision": "approve"},
    )

    assert decided.status_code == 302
    assert status(client, topic_url) == 200


def test_a_group_manager_appointed_and_removed_gains_and_loses_the_groups_controls(
    maya, beta, carmen
):
    hidden = group_create(
        actor=carmen, name="Advisory board", slug="advisory", visibility=GroupVisibility.HIDDEN
    )
    client = client_for(maya)
    page = reverse("groups:detail", args=[hidden.slug])
    assert status(client, page) == 404

    group_manager_add(actor=carmen, group_profile=hidden, user=maya)
    assert status(client, page) == 200
    invited = client.post(
        reverse("groups:invite", args=[hidden.slug]), {"email": "newcomer@example.org"}
    )
    assert invited.status_code in {200, 302}
    assert hidden.invitations.filter(email="newcomer@example.org").exists()

    group_manager_remove(actor=carmen, group_profile=hidden, user=maya)
    assert status(client, page) == 404


def test_approving_a_sign_up_opens_members_only_topics_at_once(admin):
    applicant = UserFactory(approval_status=ApprovalStatus.PENDING)
    MemberApplication.objects.create(user=applicant)
    topic = TopicFactory(category=CategoryFactory(members=True))
    client = client_for(applicant)
    assert status(client, topic.get_absolute_url()) == 404

    approved = admin.post(
        reverse("admin:members_memberapplication_changelist"),
        {"action": "approve", "_selected_action": [applicant.pk]},
    )

    assert approved.status_code == 302
    applicant.refresh_from_db()
    assert applicant.approval_status == ApprovalStatus.APPROVED
    assert status(client, topic.get_absolute_url()) == 200


def test_deleting_the_group_in_the_admin_closes_the_topic(maya, beta, topic_url):
    group_join(user=maya, group_profile=beta)
    client = client_for(maya)
    assert status(client, topic_url) == 200
    # Deleting a group is for those who hold the delete permission (superusers here).
    superuser = client_for(UserFactory(is_superuser=True, is_staff=True))

    deleted = superuser.post(
        reverse("admin:members_groupprofile_delete", args=[beta.pk]), {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert not Group.objects.filter(pk=beta.group_id).exists()
    assert status(client, topic_url) == 404


def test_a_group_made_hidden_disappears_for_outsiders_at_once(maya, beta, admin):
    client = client_for(maya)
    group_page = reverse("groups:detail", args=[beta.slug])
    assert status(client, group_page) == 200
    assert "Beta Program" in client.get(reverse("groups:list")).content.decode()

    changed = admin.post(
        reverse("admin:members_groupprofile_change", args=[beta.pk]),
        {
            "name": "Beta Program",
            "slug": beta.slug,
            "description": "",
            "visibility": GroupVisibility.HIDDEN,
            "join_policy": JoinPolicy.INVITATION,
        },
    )

    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert status(client, group_page) == 404
    assert "Beta Program" not in client.get(reverse("groups:list")).content.decode()


# --- Grants on categories -------------------------------------------------------------------


def _guardian_group_page(category, group) -> str:
    return reverse("admin:forums_category_permissions_manage_group", args=[category.pk, group.pk])


def _browser_post(client, url, data) -> int:
    """Post the form on `url` as a browser does: with the CSRF token from the page (an
    empty multiple choice sends no field at all, only the token)."""
    assert client.get(url).status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}).status_code


def test_granting_and_revoking_in_the_categorys_admin_permissions_page(maya, carmen):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    beta = group_create(actor=carmen, name="Customer advisory board", slug="cab")
    group_member_add(actor=carmen, group_profile=beta, user=maya)
    client = client_for(maya)
    assert status(client, topic.get_absolute_url()) == 404
    admin = Client(enforce_csrf_checks=True)
    admin.force_login(carmen)
    page = _guardian_group_page(category, beta.group)

    assert _browser_post(admin, page, {"permissions": ["view_category"]}) == 302
    assert status(client, topic.get_absolute_url()) == 200

    assert _browser_post(admin, page, {}) == 302
    assert status(client, topic.get_absolute_url()) == 404


def test_assign_perm_and_remove_perm_take_effect_at_once(maya):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    client = client_for(maya)
    assert status(client, topic.get_absolute_url()) == 404

    assign_perm("forums.view_category", maya, category)
    assert status(client, topic.get_absolute_url()) == 200

    remove_perm("forums.view_category", maya, category)
    assert status(client, topic.get_absolute_url()) == 404


def test_bulk_grants_and_revokes_take_effect_at_once(maya):
    categories = [CategoryFactory(private=True) for _ in range(2)]
    topics = [TopicFactory(category=category) for category in categories]
    group = Group.objects.create(name="Partners")
    maya.groups.add(group)  # an auth Group outside any private space, as a script makes
    client = client_for(maya)
    assert [status(client, t.get_absolute_url()) for t in topics] == [404, 404]

    assign_perm(
        "forums.view_category", group, Category.objects.filter(pk__in=[c.pk for c in categories])
    )
    assert [status(client, t.get_absolute_url()) for t in topics] == [200, 200]

    remove_perm("forums.view_category", group, Category.objects.filter(pk=categories[0].pk))
    assert [status(client, t.get_absolute_url()) for t in topics] == [404, 200]


def test_moderator_grant_through_the_service_opens_the_moderation_controls(maya):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    client = client_for(maya)
    assert status(client, topic.get_absolute_url()) == 404

    assign_perm("forums.moderate_category", maya, category)

    assert status(client, topic.get_absolute_url()) == 200
    assert status(client, reverse("forums:moderation-queue")) == 200


# --- Categories -----------------------------------------------------------------------------


def _category_form(category, **changes) -> dict:
    data = {
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "position": category.position,
        "parent": category.parent_id or "",
        "access": category.access,
    }
    if category.is_qa:
        data["is_qa"] = "on"
    data.update(changes)
    return data


def test_a_categorys_access_changed_in_the_admin_takes_effect_at_once(maya, admin):
    category = CategoryFactory(private=True)
    topic = TopicFactory(category=category)
    client = client_for(maya)
    assert status(client, topic.get_absolute_url()) == 404

    opened = admin.post(
        reverse("admin:forums_category_change", args=[category.pk]),
        _category_form(category, access=CategoryAccess.MEMBERS),
    )
    assert opened.status_code == 302, opened.content.decode()[:2000]
    assert status(client, topic.get_absolute_url()) == 200

    closed = admin.post(
        reverse("admin:forums_category_change", args=[category.pk]),
        _category_form(category, access=CategoryAccess.PRIVATE),
    )
    assert closed.status_code == 302
    assert status(client, topic.get_absolute_url()) == 404


def test_a_category_moved_under_a_private_parent_closes_at_once(maya, admin):
    category = CategoryFactory(members=True)
    topic = TopicFactory(category=category)
    private_parent = CategoryFactory(private=True)
    client = client_for(maya)
    assert status(client, topic.get_absolute_url()) == 200

    moved = admin.post(
        reverse("admin:forums_category_change", args=[category.pk]),
        _category_form(category, parent=private_parent.pk),
    )

    assert moved.status_code == 302, moved.content.decode()[:2000]
    assert status(client, topic.get_absolute_url()) == 404


# --- Roles, suspension, the account itself --------------------------------------------------


def _user_form(user, *, groups, is_active=True) -> dict:
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "display_name": user.display_name,
        "trust_level": user.trust_level,
        "groups": [group.pk for group in groups],
    }
    if is_active:
        data["is_active"] = "on"
    return data


def test_a_role_given_and_taken_in_the_admin_takes_effect_at_once(maya, beta, topic_url, admin):
    client = client_for(maya)
    assert status(client, topic_url) == 404
    members, moderators = role_group(roles.MEMBERS), role_group(roles.MODERATORS)

    given = admin.post(
        reverse("admin:members_user_change", args=[maya.pk]),
        _user_form(maya, groups=[members, moderators]),
    )
    assert given.status_code == 302, given.content.decode()[:3000]
    assert status(client, topic_url) == 200  # Moderators see every category

    taken = admin.post(
        reverse("admin:members_user_change", args=[maya.pk]), _user_form(maya, groups=[members])
    )
    assert taken.status_code == 302
    assert status(client, topic_url) == 404


def test_an_account_deactivated_in_the_admin_loses_access_at_once(maya, beta, topic_url, admin):
    group_join(user=maya, group_profile=beta)
    client = client_for(maya)
    assert status(client, topic_url) == 200

    deactivated = admin.post(
        reverse("admin:members_user_change", args=[maya.pk]),
        _user_form(maya, groups=[role_group(roles.MEMBERS), beta.group], is_active=False),
    )

    assert deactivated.status_code == 302, deactivated.content.decode()[:3000]
    assert status(client, topic_url) == 404


def test_an_erased_members_other_session_loses_access_at_once(maya, beta, topic_url):
    group_join(user=maya, group_profile=beta)
    laptop, phone = client_for(maya), client_for(maya)
    assert status(laptop, topic_url) == 200
    assert status(phone, topic_url) == 200

    erased = phone.post(
        reverse("members:account-erase"),
        {"password": "correct horse battery staple", "confirm_username": maya.username},
    )

    assert erased.status_code == 302, erased.content.decode()[:2000]
    maya.refresh_from_db()
    assert maya.erased_at is not None
    assert status(laptop, topic_url) == 404


def test_a_suspension_and_its_end_take_effect_on_the_next_request(maya):
    moderator = UserFactory(roles=[roles.MODERATORS])
    topic = TopicFactory(category=CategoryFactory())
    post = PostFactory(topic=topic, author=maya)
    client = client_for(maya)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Your account is suspended" not in page
    assert 'name="body"' in page  # the reply box

    suspended = client_for(moderator).post(
        reverse("forums:post-moderate", args=[post.pk]),
        {
            "action": "suspend",
            "until": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Cooling off",
        },
    )
    assert suspended.status_code == 302
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Your account is suspended" in page
    refused = client.post(reverse("forums:topic-reply", args=[topic.pk]), {"body": "Still here"})
    assert refused.status_code in {403, 200}
    assert not topic.posts.filter(body="Still here").exists()

    lifted = client_for(moderator).post(
        reverse("forums:post-moderate", args=[post.pk]), {"action": "unsuspend"}
    )
    assert lifted.status_code == 302
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Your account is suspended" not in page
    assert 'name="body"' in page


# --- The versions themselves ----------------------------------------------------------------


def test_a_grant_moved_by_a_queryset_update_takes_effect_at_once(maya):
    """Guardian's grant tables replace the community's version on every kind of write,
    `.update()` included: no signal is sent for one."""
    first, second = CategoryFactory(private=True), CategoryFactory(private=True)
    topics = [TopicFactory(category=first), TopicFactory(category=second)]
    assign_perm("forums.view_category", maya, first)
    client = client_for(maya)
    assert [status(client, t.get_absolute_url()) for t in topics] == [200, 404]

    CategoryUserObjectPermission.objects.filter(user=maya, content_object=first).update(
        content_object=second
    )

    assert [status(client, t.get_absolute_url()) for t in topics] == [404, 200]


def test_a_reach_is_computed_from_the_member_as_they_are_now(maya):
    """A request loads the member before it reads the versions; a change committed in
    between must not be cached under the new versions as if it had not happened."""
    User.objects.filter(pk=maya.pk).update(is_superuser=True)
    loaded_earlier = User.objects.get(pk=maya.pk)  # the request's row: still a superuser
    User.objects.filter(pk=maya.pk).update(is_superuser=False)
    access_changed(user_ids=[maya.pk])

    reach = member_reach(loaded_earlier)

    assert not reach.sees_all
    assert not reach.moderates_all
