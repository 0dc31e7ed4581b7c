import io
import zipfile

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from members import roles
from members.admin.data import MAX_EXPORT_MEMBERS, erase_members, export_member_data
from members.models import ShoutOut, User
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/members/user/"


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS])


@pytest.fixture
def user_admin(monkeypatch):
    """UserAdmin with the actions wired as the lead will wire them in members/admin/users.py."""
    model_admin = admin.site._registry[User]
    monkeypatch.setattr(model_admin, "actions", [export_member_data, erase_members])
    return model_admin


@pytest.fixture
def manager_client(client, manager, user_admin):
    client.force_login(manager)
    return client


def _action(client, name, users, **extra):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [u.pk for u in users], "index": 0, **extra},
    )


def _request(user, data=None):
    request = RequestFactory().post(CHANGELIST, data or {})
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_manager_downloads_one_members_data_from_the_changelist(manager_client, rich_member):
    response = _action(manager_client, "export_member_data", [rich_member])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert "frida-data/profile.json" in archive.namelist()


def test_manager_downloads_several_members_as_a_zip_of_zips(manager_client, rich_member, member):
    response = _action(manager_client, "export_member_data", [rich_member, member])

    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert sorted(archive.namelist()) == sorted(["frida.zip", f"{member.username}.zip"])
        with zipfile.ZipFile(archive.open("frida.zip")) as frida:
            assert "frida-data/profile.json" in frida.namelist()


def test_export_action_refuses_too_many_members_at_once(manager, user_admin):
    users = UserFactory.create_batch(MAX_EXPORT_MEMBERS + 1)
    request = _request(manager)

    response = export_member_data(
        user_admin, request, User.objects.filter(pk__in=[u.pk for u in users])
    )

    assert response is None
    assert any("at most" in str(m) for m in get_messages(request))


def test_erase_action_asks_for_confirmation_first_and_changes_nothing(manager_client, rich_member):
    response = _action(manager_client, "erase_members", [rich_member])

    assert response.status_code == 200
    assert b"Erase 1 member account?" in response.content
    assert b"frida" in response.content
    assert User.objects.get(pk=rich_member.pk).erased_at is None


def test_confirmed_erase_action_erases_and_keeps_their_shout_outs(manager_client, rich_member):
    response = _action(manager_client, "erase_members", [rich_member], post="yes")

    assert response.status_code == 302
    erased = User.objects.get(pk=rich_member.pk)
    assert erased.erased_at is not None
    assert erased.email == ""
    assert ShoutOut.objects.filter(author=erased).count() == 1
    page = manager_client.get(response["Location"])
    assert b"Erased 1 account." in page.content


def test_erase_action_skips_superusers_and_the_managers_own_account(
    manager_client, manager, member
):
    root = UserFactory(is_superuser=True, is_staff=True)

    response = _action(manager_client, "erase_members", [root, manager, member], post="yes")
    page = manager_client.get(response["Location"]).content.decode()

    assert User.objects.get(pk=member.pk).erased_at is not None
    assert User.objects.get(pk=root.pk).erased_at is None
    assert User.objects.get(pk=manager.pk).erased_at is None
    assert "Erased 1 account." in page
    assert "Only a superuser can manage a superuser" in page
    assert "erase your own account from" in page


def test_a_moderator_without_change_permission_cannot_run_the_actions(client, user_admin, member):
    moderator = UserFactory(roles=[roles.MODERATORS])
    moderator.is_staff = True  # can open the changelist (members.view_user), not change
    moderator.save()
    client.force_login(moderator)
    assert client.get(CHANGELIST).status_code == 200

    for name in ("erase_members", "export_member_data"):
        response = _action(client, name, [member], post="yes")
        # No action is offered to them: the changelist again, never a zip or an erase.
        assert response.status_code in (200, 302)
        assert not response.get("Content-Type", "").startswith("application/zip")
    assert User.objects.get(pk=member.pk).erased_at is None


def test_action_functions_refuse_an_actor_without_permission_even_when_called_directly(
    user_admin, member
):
    plain = UserFactory()
    request = _request(plain, {"post": "yes"})

    erase_members(user_admin, request, User.objects.filter(pk=member.pk))
    export_response = export_member_data(
        user_admin, _request(plain), User.objects.filter(pk=member.pk)
    )

    assert User.objects.get(pk=member.pk).erased_at is None
    assert export_response is None
    assert any("may not manage" in str(m) for m in get_messages(request))
