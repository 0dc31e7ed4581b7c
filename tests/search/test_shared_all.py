""" "All" (the header's search, no kind in the address) is shared like *Topics & posts*: the
page per list shape, the library's section per who sees which resources and tags and the
library's version, the members' section per who sees profiles alike. Whoever filled the
cache, each searcher finds only what they may open and sees only the profile fields they
may see, and a change made through a service shows in the very next search."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from forums.models import Tag
from forums.page_cache.splice import marker
from forums.services.topics import topic_create
from library.models import LibraryAccess, ResourceKind
from library.services import resource_access_grant, resource_create, resource_update
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import branding_set
from tests.search.conftest import ONLY_ME, article, client_for, member_with

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def _all(user, q: str = "zorblax") -> str:
    """The results part of the "All" page `user` (None: a visitor) gets, every hole filled."""
    response = client_for(user).get(SEARCH, {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    assert marker() not in html
    return html.split('id="search-results', 1)[1]


def _in_turn(first, then) -> None:
    for check in (first, then):
        check()


@pytest.fixture
def manager(db):
    return UserFactory(roles=["Community managers"])


@pytest.fixture
def beta(manager):
    """A private resource open to the Beta group (insider in it), a public one, an outsider."""
    insider, outsider = UserFactory(), UserFactory()
    group = Group.objects.create(name="Beta")
    group.user_set.add(insider)
    secret = article("Zorblax beta notes", access=LibraryAccess.PRIVATE)
    resource_access_grant(resource=secret, group=group)
    article("Zorblax handbook")
    return {"insider": insider, "outsider": outsider, "secret": secret}


@pytest.mark.parametrize("insider_first", [True, False], ids=["insider-first", "others-first"])
def test_a_private_resource_never_reaches_anyone_outside_its_group(beta, insider_first):
    def insider():
        page = _all(beta["insider"])
        assert "beta notes" in page and "handbook" in page

    def others():
        for someone in (None, beta["outsider"]):
            page = _all(someone)
            assert "handbook" in page
            assert "beta notes" not in page

    _in_turn(insider, others) if insider_first else _in_turn(others, insider)


@pytest.mark.parametrize("insider_first", [True, False], ids=["insider-first", "others-first"])
def test_a_private_topic_never_reaches_anyone_outside_its_group(insider_first):
    author = UserFactory(trust_level=TrustLevel.MEMBER)
    insider, outsider = UserFactory(), UserFactory()
    topic_create(category=CategoryFactory(), author=author, title="Zorblax refunds", body="?")
    beta = private_category_for(insider, name="Beta Program")
    topic_create(category=beta, author=insider, title="Zorblax roadmap", body="Q3")

    def insider_sees():
        page = _all(insider)
        assert "roadmap" in page and "refunds" in page

    def others():
        for someone in (None, outsider, author):
            page = _all(someone)
            assert "refunds" in page
            assert "roadmap" not in page

    _in_turn(insider_sees, others) if insider_first else _in_turn(others, insider_sees)


@pytest.mark.parametrize("insider_first", [True, False], ids=["insider-first", "others-first"])
def test_a_tag_of_a_private_category_finds_and_shows_only_for_its_group(insider_first):
    insider, outsider = UserFactory(), UserFactory()
    tag = Tag.objects.create(name="Quuxtag", slug="quuxtag")
    tag.categories.add(private_category_for(insider))
    article("Valve guide", summary="About valves.").tags.add(tag)

    def insider_sees():
        page = _all(insider, q="quuxtag")
        assert "Valve guide" in page and "#Quuxtag" in page

    def others():
        for someone in (None, outsider):
            page = _all(someone, q="quuxtag")
            assert "Valve guide" not in page
            assert "Quuxtag" not in page

    _in_turn(insider_sees, others) if insider_first else _in_turn(others, insider_sees)


def test_a_resource_matches_words_split_between_its_text_and_a_visible_tag():
    tag = Tag.objects.create(name="Quuxtag", slug="quuxtag")
    article("Valve guide", summary="About zorblax valves.").tags.add(tag)
    article("Pump guide", summary="About zorblax pumps.")

    page = _all(None, q="zorblax quuxtag")
    assert "Valve guide" in page
    assert "Pump guide" not in page
    if connection.vendor != "postgresql":
        return  # SQLite's scan ignores "-word"
    # A tag holding a word left out ("-word") leaves the resource out, as its text would.
    assert "Valve guide" not in _all(None, q="zorblax -quuxtag")
    assert "Pump guide" in _all(None, q="zorblax -quuxtag")


@pytest.mark.parametrize("owner_first", [True, False], ids=["owner-first", "others-first"])
def test_only_me_fields_never_leak_through_a_shared_members_section(owner_first):
    owner = member_with(
        "quiet",
        headline="Zorblax fan",
        bio="I repair zorblax pumps.",
        bio_visibility=ONLY_ME,
        company="Zorblax Ltd",
        company_visibility=ONLY_ME,
    )
    other = UserFactory()

    def owners_view():
        page = _all(owner)
        assert "@quiet" in page
        assert "<mark>zorblax</mark> pumps" in page
        assert "<mark>Zorblax</mark> Ltd" in page

    def others_view():
        for someone in (other, UserFactory()):
            page = _all(someone)
            assert "@quiet" in page  # the headline is public
            assert "pumps" not in page
            assert "Ltd" not in page

    _in_turn(owners_view, others_view) if owner_first else _in_turn(others_view, owners_view)


def test_a_member_found_only_by_their_own_only_me_field_is_found_by_nobody_else():
    owner = member_with("hidden", bio="I repair zorblax pumps.", bio_visibility=ONLY_ME)

    assert "@hidden" in _all(owner)
    assert "@hidden" not in _all(UserFactory())
    assert "@hidden" in _all(owner)


def test_members_level_fields_found_by_a_member_never_reach_a_visitor():
    branding_set(directory_public=True)
    member_with(
        "loud", headline="Pump fixer", location="Zorblaxville", location_visibility="members"
    )
    member_with("open", headline="Zorblax tuner", location="Zorblaxton")

    page = _all(UserFactory())
    assert "<mark>Zorblax</mark>ville" in page and "<mark>Zorblax</mark>ton" in page
    page = _all(None)
    assert "@loud" not in page  # found by a field visitors may not see
    assert "@open" in page and "Zorblaxton" not in page


def test_a_new_or_changed_resource_shows_in_the_next_search(manager):
    member = UserFactory()
    assert "quick guide" not in _all(None)
    assert "quick guide" not in _all(member)

    resource = resource_create(
        actor=manager,
        kind=ResourceKind.ARTICLE,
        title="Zorblax quick guide",
        slug="zorblax-quick-guide",
        summary="Start here.",
        body="Turn it on.",
        access=LibraryAccess.PUBLIC,
    )
    assert "quick guide" in _all(None)
    assert "quick guide" in _all(member)

    resource_update(actor=manager, resource=resource, access=LibraryAccess.MEMBERS)
    assert "quick guide" not in _all(None)
    assert "quick guide" in _all(member)

    resource_update(actor=manager, resource=resource, title="Quux quick guide")
    assert "quick guide" not in _all(member)


def test_a_new_topic_shows_in_the_next_search():
    author = UserFactory(trust_level=TrustLevel.MEMBER)
    category = CategoryFactory()
    assert "pricing" not in _all(None)

    topic_create(category=category, author=author, title="Zorblax pricing", body="Cost?")
    assert "pricing" in _all(None)
    assert "pricing" in _all(UserFactory())


def test_each_searcher_gets_their_own_token_and_account_corner(beta):
    tokens = set()
    for user in (beta["insider"], beta["outsider"], None, None):
        html = client_for(user).get(SEARCH, {"q": "zorblax"}).content.decode()
        if user is not None:
            assert user.public_name in html
        tokens |= {part.split("/")[0] for part in html.split("/search/")[1:] if "/open/" in part}
    assert len(tokens) == 4


def test_a_cached_all_page_costs_the_versions_and_little_else(beta, django_assert_max_num_queries):
    topic_create(
        category=CategoryFactory(),
        author=UserFactory(trust_level=TrustLevel.MEMBER),
        title="Zorblax refunds",
        body="?",
    )
    member_with("zora", display_name="Zorblax Fan")
    visitor, member = Client(), client_for(beta["outsider"])
    for client in (visitor, member):
        client.get(SEARCH, {"q": "zorblax"})
    # A visitor: the forum's and the library's versions. A member: their session and user
    # too (whether they may search members, and the levels of their own profile's fields,
    # are cached).
    with django_assert_max_num_queries(2):
        assert "refunds" in visitor.get(SEARCH, {"q": "zorblax"}).content.decode()
    with django_assert_max_num_queries(4):
        html = member.get(SEARCH, {"q": "zorblax"}).content.decode()
    assert "refunds" in html and "handbook" in html and "@zora" in html
