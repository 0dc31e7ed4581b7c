"""Directory pages are rendered once and shared between viewers of the same kind
(members.page_cache). Whoever filled the cache, each viewer sees only the fields, members and
groups they may see, their own card as they see it, and a change made by a service shows on
the next request."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.page_cache.splice import marker
from members import roles
from members.models import (
    ApprovalStatus,
    GroupProfile,
    GroupVisibility,
    SupportAct,
    SupportKind,
    TrustLevel,
    User,
    Visibility,
)
from members.services.accounts import member_onboard
from members.services.data import member_erase
from members.services.profiles import profile_update
from members.services.trust import helpfulness_recompute, trust_level_change_record
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import (
    MARKERS,
    SEARCH_TERMS,
    SEES,
    VIEWERS,
    branding_set,
    client_for,
    filled_member,
)

pytestmark = pytest.mark.django_db

URL = "/members/"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _page(client: Client, params=None) -> str:
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert marker() not in html  # every hole filled
    return html


def _card(page: str, user: User) -> str:
    start = page.index(f'<article class="member-card" aria-labelledby="member-{user.pk}">')
    return page[start : page.index("</article>", start)]


def _listed(page: str, user: User) -> bool:
    return f'aria-labelledby="member-{user.pk}"' in page


@pytest.fixture
def public_directory():
    branding_set(directory_public=True)


@pytest.mark.parametrize("first", VIEWERS)
@pytest.mark.parametrize("level", [Visibility.MEMBERS, Visibility.PRIVATE])
def test_fields_reach_only_the_viewers_who_may_see_them_whoever_filled_the_page(
    public_directory, first, level
):
    owner = filled_member(level=level, display_name="Aaron Owner")  # first by name
    clients = {viewer: client_for(viewer, owner=owner) for viewer in VIEWERS}

    _page(clients[first])
    for viewer in VIEWERS:
        card = _card(_page(clients[viewer]), owner)
        shown = MARKERS["company"] in card
        assert shown == (viewer in SEES[level]), f"{level} company seen by {viewer}"


def test_a_members_only_directory_never_reaches_a_visitor_through_a_members_page():
    owner = filled_member(level=Visibility.MEMBERS)
    _page(client_for("member", owner=owner))  # a member fills the members' page

    response = Client().get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_making_the_directory_public_shows_visitors_public_fields_only_at_once():
    owner = filled_member(level=Visibility.MEMBERS)
    profile_update(user=owner, actor=owner, headline_visibility=Visibility.PUBLIC)
    _page(client_for("member", owner=owner))
    assert Client().get(URL).status_code == 302

    branding_set(directory_public=True)
    page = _page(Client())

    assert MARKERS["headline"] in _card(page, owner)
    assert MARKERS["company"] not in page


def test_searching_a_hidden_field_finds_its_owner_only_for_them_whoever_searched_first(
    public_directory,
):
    owner = filled_member(level=Visibility.PRIVATE)
    other = UserFactory()
    search = {"q": SEARCH_TERMS["company"]}

    assert not _listed(_page(_client(other), search), owner)  # fills the members' page
    assert _listed(_page(_client(owner), search), owner)
    assert not _listed(_page(_client(other), search), owner)
    assert not _listed(_page(Client(), search), owner)


def test_a_members_own_card_shows_them_their_hidden_fields_and_nobody_else(public_directory):
    owner = filled_member(level=Visibility.PRIVATE, display_name="Aaron Owner")
    other = UserFactory()

    assert MARKERS["headline"] not in _card(_page(_client(other)), owner)
    assert MARKERS["headline"] in _card(_page(_client(owner)), owner)
    assert MARKERS["headline"] not in _card(_page(_client(other)), owner)


def test_the_group_menu_offers_each_member_only_their_own_groups(public_directory):
    insider, outsider = UserFactory(), UserFactory()
    group = Group.objects.create(name="Advisory Board")
    GroupProfile.objects.create(
        group=group, slug="advisory-board", visibility=GroupVisibility.HIDDEN
    )
    insider.groups.add(group)

    assert "advisory-board" in _page(_client(insider))
    assert "advisory-board" not in _page(_client(outsider))
    assert "advisory-board" not in _page(Client())


def test_an_erased_member_leaves_every_shared_page_at_once(public_directory):
    gone = filled_member(level=Visibility.PUBLIC, display_name="Aaron Gone")
    member = UserFactory()
    assert _listed(_page(_client(member)), gone)
    assert _listed(_page(Client()), gone)

    member_erase(member=gone, actor=gone)

    assert not _listed(_page(_client(member)), gone)
    assert not _listed(_page(Client()), gone)
    assert MARKERS["headline"] not in _page(Client())


def test_a_member_deactivated_in_the_admin_leaves_the_directory_at_once(public_directory):
    banned = UserFactory(display_name="Aaron Banned")
    assert _listed(_page(Client()), banned)

    banned.is_active = False
    banned.save()  # as the admin's change form does

    assert not _listed(_page(Client()), banned)


def test_a_profile_edit_shows_on_the_next_request(public_directory):
    owner = filled_member(level=Visibility.PUBLIC, display_name="Aaron Owner")
    member = UserFactory()
    _page(_client(member))
    _page(Client())

    profile_update(user=owner, actor=owner, headline="Now a Zqxnewheadline")

    assert "Zqxnewheadline" in _card(_page(_client(member)), owner)
    assert "Zqxnewheadline" in _card(_page(Client()), owner)


def test_a_visibility_change_shows_on_the_next_request(public_directory):
    owner = filled_member(level=Visibility.PUBLIC, display_name="Aaron Owner")
    assert MARKERS["company"] in _card(_page(Client()), owner)

    profile_update(user=owner, actor=owner, company_visibility=Visibility.PRIVATE)

    assert MARKERS["company"] not in _card(_page(Client()), owner)


def test_a_new_member_shows_on_the_next_request(public_directory):
    member = UserFactory()
    before = _page(_client(member))
    newcomer = UserFactory(display_name="Aaron Newcomer", approval_status=ApprovalStatus.PENDING)
    assert not _listed(before, newcomer)
    assert not _listed(_page(_client(member)), newcomer)

    User.objects.filter(pk=newcomer.pk).update(approval_status=ApprovalStatus.APPROVED)
    newcomer.refresh_from_db()
    member_onboard(user=newcomer)

    assert _listed(_page(_client(member)), newcomer)
    assert _listed(_page(Client()), newcomer)


def test_a_trust_level_set_by_a_manager_shows_on_the_next_request(public_directory):
    owner = UserFactory(display_name="Aaron Owner", trust_level=TrustLevel.NEW)
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    assert "New" in _card(_page(Client()), owner)

    User.objects.filter(pk=owner.pk).update(trust_level=TrustLevel.LEADER)  # the admin's save
    owner.refresh_from_db()
    trust_level_change_record(user=owner, from_level=TrustLevel.NEW, actor=manager)

    assert "Leader" in _card(_page(Client()), owner)


def _first_card_is(page: str, user: User) -> bool:
    first = page.index('<article class="member-card"')
    return page.index(f'aria-labelledby="member-{user.pk}"') < page.index("</article>", first)


def test_the_nightly_helpfulness_refresh_reorders_most_helpful_at_once(public_directory):
    helper = UserFactory(display_name="Zed Helper")
    UserFactory.create_batch(2)
    assert not _first_card_is(_page(Client(), {"sort": "helpful"}), helper)
    SupportAct.objects.create(
        giver=UserFactory(), receiver=helper, kind=SupportKind.REACTION, occurred_at=timezone.now()
    )

    helpfulness_recompute()

    assert _first_card_is(_page(Client(), {"sort": "helpful"}), helper)


def test_a_visitors_page_is_one_cache_read_once_shared(public_directory):
    UserFactory.create_batch(3)
    visitor = Client()
    _page(visitor, {"sort": "newest"})

    with CaptureQueriesContext(connection) as ctx:
        _page(visitor, {"sort": "newest"})

    assert len(ctx.captured_queries) == 0


def test_a_members_shared_page_costs_only_their_session_and_account(
    public_directory, django_assert_max_num_queries
):
    member = UserFactory(display_name="Zz Member")  # the oldest and last by name: page 2
    UserFactory.create_batch(30)
    other = _client(UserFactory(display_name="Zz Other"))
    client = _client(member)
    _page(client)  # the day's visit is recorded on the first request
    _page(other, {"sort": "newest"})  # another member fills the pages
    _page(other, {"q": "other"})

    with django_assert_max_num_queries(2):  # their session and account
        _page(client, {"sort": "newest"})
    with django_assert_max_num_queries(3):  # and whether they hide what the search reads
        _page(client, {"q": "other"})


def test_a_page_with_the_members_own_card_is_bounded_too(
    public_directory, django_assert_max_num_queries
):
    UserFactory.create_batch(30)
    member = UserFactory(display_name="Aaron Member")
    client = _client(member)
    _page(client)
    _page(_client(UserFactory()))

    with django_assert_max_num_queries(4):  # + their own card and its tags
        assert _listed(_page(client), member)


def test_most_active_puts_a_hidden_last_seen_last_for_its_owner_too(public_directory):
    # The order is the same for every member, so the pages they share and the page with
    # their own card on it fit together: their own hidden date does not move them up.
    now = timezone.now()
    hidden, shown = UserFactory(), UserFactory()
    User.objects.filter(pk=hidden.pk).update(last_seen_at=now)
    User.objects.filter(pk=shown.pk).update(last_seen_at=now - timedelta(days=5))
    profile_update(user=hidden, actor=hidden, last_seen_visibility=Visibility.PRIVATE)
    profile_update(user=shown, actor=shown, last_seen_visibility=Visibility.MEMBERS)

    for viewer in (hidden, shown, UserFactory()):
        page = _page(_client(viewer), {"sort": "active"})
        assert page.index(f'"member-{shown.pk}"') < page.index(f'"member-{hidden.pk}"')
