import pytest

from members import roles
from members.models import GroupVisibility, JoinPolicy
from members.services.groups import group_create, group_manager_add
from tests.members.factories import UserFactory


@pytest.fixture
def community_manager(db):
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS])


@pytest.fixture
def make_group(community_manager):
    counter = iter(range(1, 10_000))

    def make(
        *,
        visibility: str = GroupVisibility.LISTED,
        join_policy: str = JoinPolicy.REQUEST,
        name: str | None = None,
        description: str = "A **private** space.",
    ):
        number = next(counter)
        name = name or f"Group {number}"
        return group_create(
            actor=community_manager,
            name=name,
            slug=f"group-{number}",
            description=description,
            visibility=visibility,
            join_policy=join_policy,
        )

    return make


@pytest.fixture
def open_group(make_group):
    return make_group(join_policy=JoinPolicy.OPEN)


@pytest.fixture
def request_group(make_group):
    return make_group(join_policy=JoinPolicy.REQUEST)


@pytest.fixture
def hidden_group(make_group):
    return make_group(visibility=GroupVisibility.HIDDEN, join_policy=JoinPolicy.INVITATION)


@pytest.fixture
def group_manager(db):
    return UserFactory()


@pytest.fixture
def make_manager(community_manager):
    def make(group_profile, user=None):
        user = user or UserFactory()
        group_manager_add(actor=community_manager, group_profile=group_profile, user=user)
        return user

    return make


def add_member(group_profile, user):
    """Put `user` in the group directly (test set-up, not the behaviour under test)."""
    from members.services.groups import _membership_add

    _membership_add(group_profile=group_profile, user_id=user.pk)
    return user
