import pytest
from django.contrib.auth.models import Group

from members import roles
from members.services import member_roles_set
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _permissions(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_four_roles_exist_after_migrate_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL_ROLES)
    assert _permissions(roles.MEMBERS) == {"members.view_member_directory"}
    assert _permissions(roles.EXECUTIVES) == {
        "members.view_kpi_dashboard",
        "metrics.view_dashboard",
        "plans.view_planreport",
    }
    assert {"members.moderate_community", "members.view_member_directory"} <= _permissions(
        roles.MODERATORS
    )
    managers = _permissions(roles.COMMUNITY_MANAGERS)
    assert {
        "community.change_sitebranding",
        "members.change_user",
        "django_celery_beat.change_periodictask",
        "members.view_kpi_dashboard",
    } <= managers
    # Nobody but a superuser may delete the branding or accounts outright.
    assert "community.delete_sitebranding" not in managers
    assert "members.delete_user" not in managers


def test_executives_read_but_change_nothing():
    executive = UserFactory(roles=[roles.EXECUTIVES])
    assert executive.has_perm("members.view_kpi_dashboard")
    assert not executive.has_perm("community.change_sitebranding")
    assert not executive.is_staff


def test_member_roles_set_makes_community_managers_staff_and_takes_it_back():
    person = UserFactory()
    member_roles_set(user=person, role_names=[roles.MEMBERS, roles.COMMUNITY_MANAGERS])
    person.refresh_from_db()
    assert person.is_staff
    assert set(person.groups.values_list("name", flat=True)) == {
        roles.MEMBERS,
        roles.COMMUNITY_MANAGERS,
    }

    member_roles_set(user=person, role_names=[roles.MEMBERS])
    person.refresh_from_db()
    assert not person.is_staff
    assert list(person.groups.values_list("name", flat=True)) == [roles.MEMBERS]


def test_member_roles_set_refuses_unknown_roles():
    person = UserFactory()
    with pytest.raises(ValueError, match="Unknown roles"):
        member_roles_set(user=person, role_names=["Overlords"])
    assert list(person.groups.values_list("name", flat=True)) == [roles.MEMBERS]
