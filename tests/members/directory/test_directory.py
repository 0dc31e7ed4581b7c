from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from members import roles
from members.models import (
    VISIBLE_FIELDS,
    ApprovalStatus,
    GroupProfile,
    GroupVisibility,
    Profile,
    SupportAct,
    SupportKind,
    TrustLevel,
    User,
    Visibility,
)
from members.selectors.directory import (
    DIRECTORY_PAGE_SIZE,
    DIRECTORY_SORTS,
    DirectoryQuery,
    member_directory_filter,
)
from members.services.profiles import profile_get_or_create, profile_update
from members.services.trust import helpfulness_recompute
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import (
    LEVELS,
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


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [card.user.username for card in response.context["cards"]]


# --- Who may browse -----------------------------------------------------------------------


def test_directory_sends_visitors_to_sign_in_by_default(client):
    response = client.get(URL + "?q=maya")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/%3Fq%3Dmaya"


def test_directory_is_forbidden_to_accounts_waiting_for_approval(client):
    pending = UserFactory()
    User.objects.filter(pk=pending.pk).update(approval_status=ApprovalStatus.PENDING)
    client.force_login(pending)

    assert client.get(URL).status_code == 403


def test_public_directory_shows_visitors_only_public_fields(client):
    owner = filled_member(level=Visibility.MEMBERS)
    profile_update(user=owner, actor=owner, headline_visibility=Visibility.PUBLIC)
    branding_set(directory_public=True)

    response = client.get(URL)
    page = response.content.decode()

    assert owner.username in usernames(response)
    assert "Headline Zqxheadline" in page
    assert "Zqxcompany" not in page
    assert "Zqxlocation" not in page


def test_members_see_members_level_fields_in_the_directory(client_as_member):
    filled_member(level=Visibility.MEMBERS)

    page = client_as_member.get(URL).content.decode()

    assert "Zqxcompany Ltd" in page
    assert "Zqxlocation City" in page


# What a directory card shows at all; the rest is for the profile page.
CARD_FIELDS = {"headline", "company", "location", "expertise"}


def card_html(page: str, user: User) -> str:
    start = page.index(f'<article class="member-card" aria-labelledby="member-{user.pk}">')
    return page[start : page.index("</article>", start)]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("field", VISIBLE_FIELDS)
def test_directory_card_shows_each_field_only_to_the_viewers_its_visibility_allows(field, level):
    owner = filled_member(level=Visibility.PRIVATE)
    profile_update(user=owner, actor=owner, **{f"{field}_visibility": level})
    branding_set(directory_public=True)

    for viewer in VIEWERS:
        page = client_for(viewer, owner=owner).get(URL).content.decode()
        shown = MARKERS[field] in card_html(page, owner)
        expected = field in CARD_FIELDS and viewer in SEES[level]
        assert shown == expected, f"{field} at {level} seen by {viewer}"


# --- Who is listed ------------------------------------------------------------------------


def test_directory_lists_only_approved_active_members_that_were_not_erased(client_as_member):
    listed = UserFactory()
    pending, declined, inactive, erased = UserFactory.create_batch(4)
    User.objects.filter(pk=pending.pk).update(approval_status=ApprovalStatus.PENDING)
    User.objects.filter(pk=declined.pk).update(approval_status=ApprovalStatus.DECLINED)
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    User.objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    names = usernames(client_as_member.get(URL))

    assert listed.username in names
    for hidden in (pending, declined, inactive, erased):
        assert hidden.username not in names
    assert settings.ANONYMOUS_USER_NAME not in names


def test_directory_lists_members_that_have_no_profile_row_yet(client_as_member):
    bare = UserFactory()
    Profile.objects.filter(user=bare).delete()

    assert bare.username in usernames(client_as_member.get(URL))


# --- Search and filters respect field visibility -----------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("field", sorted(SEARCH_TERMS))
def test_searching_by_a_profile_field_finds_the_member_only_for_viewers_who_may_see_it(
    field, level
):
    owner = filled_member(level=Visibility.PRIVATE)
    profile_update(user=owner, actor=owner, **{f"{field}_visibility": level})
    branding_set(directory_public=True)

    for viewer in VIEWERS:
        found = owner.username in usernames(
            client_for(viewer, owner=owner).get(URL, {"q": SEARCH_TERMS[field]})
        )
        assert found == (viewer in SEES[level]), f"{field} at {level} searched by {viewer}"


@pytest.mark.parametrize("level", LEVELS)
def test_company_and_expertise_filters_respect_visibility(level):
    owner = filled_member(level=level)
    branding_set(directory_public=True)
    tag = owner.profile.expertise.get().slug

    for viewer in VIEWERS:
        client = client_for(viewer, owner=owner)
        by_company = owner.username in usernames(client.get(URL, {"company": "zqxcompany ltd"}))
        by_tag = owner.username in usernames(client.get(URL, {"tag": tag}))
        assert by_company == by_tag == (viewer in SEES[level]), f"{level} for {viewer}"


def test_search_by_name_and_username_ignores_case_and_needs_every_word(client_as_member):
    maya = UserFactory(username="maya.p", display_name="Maya Patel")
    UserFactory(username="mayank", display_name="Mayank Rao")

    assert usernames(client_as_member.get(URL, {"q": "PATEL"})) == [maya.username]
    assert usernames(client_as_member.get(URL, {"q": "maya patel"})) == [maya.username]
    assert usernames(client_as_member.get(URL, {"q": "MAYA.P"})) == [maya.username]


def test_expertise_filter_accepts_a_typed_name(client_as_member):
    owner = UserFactory()
    profile_update(user=owner, actor=owner, expertise=["Customer Success"])
    UserFactory()

    assert usernames(client_as_member.get(URL, {"tag": "Customer Success"})) == [owner.username]


def test_trust_level_filter(client_as_member):
    regular = UserFactory()
    User.objects.filter(pk=regular.pk).update(trust_level=TrustLevel.REGULAR)
    UserFactory()

    names = usernames(client_as_member.get(URL, {"trust": TrustLevel.REGULAR}))

    assert names == [regular.username]


def make_group(name: str, *, visibility: str, members=()) -> GroupProfile:
    group = Group.objects.create(name=name)
    profile = GroupProfile.objects.create(
        group=group, slug=name.lower().replace(" ", "-"), visibility=visibility
    )
    for user in members:
        user.groups.add(group)
    return profile


def test_group_filter_lists_members_of_a_listed_group_to_its_members(client_as_member, member):
    beta_tester, outsider = UserFactory(), UserFactory()
    make_group("Beta Program", visibility=GroupVisibility.LISTED, members=[beta_tester, member])

    response = client_as_member.get(URL, {"group": "beta-program"})

    assert "beta-program" in dict(response.context["form"].fields["group"].choices)
    assert set(usernames(response)) == {beta_tester.username, member.username}
    assert outsider.username not in usernames(response)


def test_group_filter_does_not_list_a_listed_groups_members_to_non_members(client_as_member):
    # The group page shows a listed group's member list only to its members and managers;
    # ?group= must not be a way round that.
    beta_tester = UserFactory()
    make_group("Beta Program", visibility=GroupVisibility.LISTED, members=[beta_tester])
    UserFactory.create_batch(2)

    response = client_as_member.get(URL, {"group": "beta-program"})

    assert "There is no such group." in response.context["form"].errors["group"]
    assert "beta-program" not in dict(response.context["form"].fields["group"].choices)
    # The filter is dropped: everyone is listed, not the group's roster.
    assert beta_tester.username in usernames(response)
    assert len(usernames(response)) > 2


@pytest.mark.parametrize("manager", ["group manager", "community manager"])
def test_group_filter_lists_a_groups_members_to_its_managers(client, manager):
    beta_tester = UserFactory()
    beta = make_group("Beta Program", visibility=GroupVisibility.HIDDEN, members=[beta_tester])
    if manager == "group manager":
        viewer = UserFactory()
        assign_perm("members.manage_groupprofile", viewer, beta)
    else:
        viewer = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    client.force_login(viewer)

    response = client.get(URL, {"group": "beta-program"})

    assert usernames(response) == [beta_tester.username]


def test_group_filter_selector_ignores_a_group_the_viewer_may_not_list(member):
    beta_tester = UserFactory()
    make_group("Beta Program", visibility=GroupVisibility.LISTED, members=[beta_tester])

    # The form drops the slug, and the selector checks it again on its own.
    found = member_directory_filter(viewer=member, query=DirectoryQuery(group="beta-program"))

    assert not found.exists()


def test_hidden_group_slug_finds_nobody_and_is_not_offered_to_outsiders(client_as_member):
    insider = UserFactory()
    make_group("Advisory Board", visibility=GroupVisibility.HIDDEN, members=[insider])

    response = client_as_member.get(URL, {"group": "advisory-board"})

    assert "There is no such group." in response.content.decode()
    assert "advisory-board" not in dict(response.context["form"].fields["group"].choices)
    # The bad filter is dropped, not turned into a list of the hidden group's members.
    assert insider.username in usernames(response)
    assert len(usernames(response)) > 1


def test_sort_registry_offers_name_newest_most_active_and_most_helpful():
    assert list(DIRECTORY_SORTS) == ["name", "newest", "active", "helpful"]


def test_sort_by_name_newest_and_most_active(client_as_member, member):
    now = timezone.now()
    ann = UserFactory(display_name="Ann Archer", date_joined=now - timedelta(days=30))
    bob = UserFactory(display_name="", username="bob.b", date_joined=now - timedelta(days=1))
    cy = UserFactory(display_name="Cy Cole", date_joined=now - timedelta(days=10))
    User.objects.filter(pk=ann.pk).update(last_seen_at=now - timedelta(days=3))
    User.objects.filter(pk=cy.pk).update(last_seen_at=now - timedelta(hours=1))
    User.objects.filter(pk=member.pk).update(display_name="Zed Zane")
    for user in (ann, bob, cy):
        profile_get_or_create(user=user)  # last seen: members-only by default
    wanted = [ann.username, bob.username, cy.username]

    def order(sort: str) -> list[str]:
        return [
            name for name in usernames(client_as_member.get(URL, {"sort": sort})) if name in wanted
        ]

    assert order("name") == [ann.username, bob.username, cy.username]
    assert order("newest") == [bob.username, cy.username, ann.username]
    assert order("active") == [cy.username, ann.username, bob.username]


def test_most_active_sort_does_not_reveal_a_hidden_last_seen_date(client_as_member):
    now = timezone.now()
    private, visible = UserFactory(), UserFactory()
    User.objects.filter(pk=private.pk).update(last_seen_at=now)
    User.objects.filter(pk=visible.pk).update(last_seen_at=now - timedelta(days=5))
    profile_update(user=private, actor=private, last_seen_visibility=Visibility.PRIVATE)
    profile_update(user=visible, actor=visible, last_seen_visibility=Visibility.MEMBERS)

    names = usernames(client_as_member.get(URL, {"sort": "active"}))

    assert names.index(visible.username) < names.index(private.username)


def test_most_helpful_sort_ranks_by_reactions_and_accepted_answers_after_the_refresh(
    client_as_member,
):
    now = timezone.now()
    helper, answerer, old_helper, followed_only = UserFactory.create_batch(4)
    givers = UserFactory.create_batch(3)
    for giver in givers:
        SupportAct.objects.create(
            giver=giver, receiver=helper, kind=SupportKind.REACTION, occurred_at=now
        )
        SupportAct.objects.create(
            giver=giver,
            receiver=old_helper,
            kind=SupportKind.REACTION,
            occurred_at=now - timedelta(days=120),
        )
        SupportAct.objects.create(
            giver=giver, receiver=followed_only, kind=SupportKind.FOLLOW, occurred_at=now
        )
    for giver in givers[:2]:
        SupportAct.objects.create(
            giver=giver, receiver=answerer, kind=SupportKind.ACCEPTED_ANSWER, occurred_at=now
        )

    # The ranking is stored and refreshed nightly: until then everyone ties, in name order.
    before = usernames(client_as_member.get(URL, {"sort": "helpful"}))
    assert before == usernames(client_as_member.get(URL, {"sort": "name"}))
    helpfulness_recompute()
    response = client_as_member.get(URL, {"sort": "helpful"})
    names = usernames(response)

    assert names[:2] == [helper.username, answerer.username]
    assert names.index(old_helper.username) > 1
    assert names.index(followed_only.username) > 1
    assert "reactions and accepted answers received in the last 90 days, updated nightly" in (
        response.content.decode()
    )


def test_most_helpful_ties_are_broken_by_name(client_as_member, member):
    User.objects.filter(pk=member.pk).update(display_name="Zed Zane")
    giver = UserFactory(display_name="Zoe Giver")
    cy, ann, bob = (UserFactory(display_name=name) for name in ("Cy", "Ann", "Bob"))
    for receiver in (cy, ann):
        SupportAct.objects.create(
            giver=giver, receiver=receiver, kind=SupportKind.REACTION, occurred_at=timezone.now()
        )
    helpfulness_recompute()

    names = usernames(client_as_member.get(URL, {"sort": "helpful"}))

    assert names[:3] == [ann.username, cy.username, bob.username]


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"q": "x" * 101}, "q", "at most 100 characters"),
        ({"q": "maya\x00"}, "q", "Null characters are not allowed"),
        ({"trust": "9"}, "trust", "Choose a trust level from the list."),
        ({"trust": "' OR 1=1 --"}, "trust", "Choose a trust level from the list."),
        ({"sort": "password"}, "sort", "Choose a sort order from the list."),
        ({"group": "../admin"}, "group", "There is no such group."),
    ],
)
def test_bad_directory_parameters_get_a_clear_message_not_an_error(
    client_as_member, params, field, message
):
    response = client_as_member.get(URL, params)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])


@pytest.mark.parametrize("q", ["' OR 1=1 --", "%", "_", "\\", '"', ":*", "&|!", "<script>"])
def test_search_syntax_characters_are_searched_literally(client_as_member, q):
    UserFactory.create_batch(2)

    response = client_as_member.get(URL, {"q": q})

    assert response.status_code == 200
    assert usernames(response) == []
    assert "<script>" not in response.content.decode().split("</header>", 1)[1]


def test_page_numbers_out_of_range_or_not_numbers_show_a_page(client_as_member):
    assert client_as_member.get(URL, {"page": "999"}).status_code == 200
    assert client_as_member.get(URL, {"page": "abc"}).status_code == 200


# --- Pagination and htmx ------------------------------------------------------------------


def test_directory_pages_24_members_with_a_plain_next_page_link(client_as_member):
    UserFactory.create_batch(DIRECTORY_PAGE_SIZE + 5)

    first = client_as_member.get(URL, {"sort": "newest"})
    second = client_as_member.get(URL, {"sort": "newest", "page": 2})

    assert len(usernames(first)) == DIRECTORY_PAGE_SIZE
    assert 'href="?sort=newest&amp;page=2"' in first.content.decode()
    assert set(usernames(first)).isdisjoint(usernames(second))
    assert (
        len(usernames(first)) + len(usernames(second))
        == User.objects.filter(is_active=True)
        .exclude(username=settings.ANONYMOUS_USER_NAME)
        .count()
    )


def test_htmx_load_more_returns_only_the_next_cards_and_button(client_as_member):
    UserFactory.create_batch(DIRECTORY_PAGE_SIZE * 2 + 1)

    response = client_as_member.get(URL, {"sort": "name", "page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html and "<h1" not in html
    assert html.count('class="member-card"') == DIRECTORY_PAGE_SIZE
    assert 'hx-get="?sort=name&amp;page=3"' in html
    assert "HX-Request" in response["Vary"]


# --- Query counts -------------------------------------------------------------------------


def populate(count: int) -> None:
    for user in UserFactory.create_batch(count):
        profile_update(
            user=user,
            actor=user,
            company="Acme",
            headline="Engineer",
            expertise=["Python", f"Topic {user.pk % 3}"],
        )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "acme engineer", "sort": "helpful"},
        {"tag": "python", "trust": "0", "company": "Acme", "sort": "active"},
    ],
    ids=["plain", "search-helpful", "filters-active"],
)
def test_directory_query_count_is_the_same_for_a_page_and_a_few_pages_of_members(
    client, params, django_assert_max_num_queries
):
    # Named to sort last, off the first page: a page with the viewer's own card on it is
    # rendered for them alone (members.page_cache; counted in test_shared_directory.py).
    viewer = UserFactory(roles=[roles.MEMBERS], display_name="Zz Viewer")
    client.force_login(viewer)
    make_group("Beta Program", visibility=GroupVisibility.LISTED, members=[viewer])
    client.get(URL)  # the day's visit is recorded on the first request

    def run() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, params).status_code == 200
        return len(ctx.captured_queries)

    populate(DIRECTORY_PAGE_SIZE + 1)
    few = run()
    populate(35)
    assert run() == few
    with django_assert_max_num_queries(12):
        client.get(URL, {**params, "group": "beta-program"})


# --- Search indexes -----------------------------------------------------------------------


def test_trigram_search_indexes_exist_on_postgresql_and_are_skipped_on_sqlite():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s",
                ["members_%_trgm"],
            )
            indexes = dict(cursor.fetchall())
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'members_%_trgm'")
            indexes = dict.fromkeys(row[0] for row in cursor.fetchall())
    if connection.vendor != "postgresql":
        assert indexes == {}
        return
    assert set(indexes) == {
        "members_user_username_trgm",
        "members_user_display_name_trgm",
        "members_profile_company_trgm",
        "members_profile_headline_trgm",
        "members_profile_location_trgm",
        "members_expertisetag_name_trgm",
    }
    for definition in indexes.values():
        assert "gin_trgm_ops" in definition and "upper(" in definition
