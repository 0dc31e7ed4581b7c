"""The one search at /search/: what each kind finds, for whom, through the pages a person
uses; the old forum search address; the search log; hostile input."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from forums.models import SearchQuery, Tag
from forums.selectors.search import SearchTooBroad
from library.models import LibraryAccess
from library.services import resource_access_grant
from members.models import JoinPolicy
from members.services.data import member_erase
from members.services.groups import group_create, group_join
from search import kinds
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.search.helpers import topic_with
from tests.html import parse_elements, unsafe_markup
from tests.members import factories as member_factories
from tests.search.conftest import ONLY_ME, article, client_for, member_with
from tests.search_log import search_log_flush

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def page(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def logged() -> SearchQuery:
    """The one search logged so far, once the flush has written it."""
    search_log_flush()
    return SearchQuery.objects.get()


def results_part(html: str) -> str:
    """The page below the form: what was found (the form echoes the query)."""
    return html.split("</form>", 2)[-1]


# --- Kinds ---------------------------------------------------------------------------------


@pytest.fixture
def one_of_each(db):
    topic = topic_with(title="Zorblax calibration", category=CategoryFactory(name="Pumps"))
    resource = article("Zorblax handbook", summary="Everything about the zorblax.")
    person = member_with("zora", display_name="Zorblax Fan")
    return topic, resource, person


def test_all_shows_each_kind_in_its_own_section(one_of_each):
    topic, resource, person = one_of_each
    html = results_part(page(client_for(member_factories.UserFactory()), q="zorblax"))

    assert 'id="search-results-forums"' in html
    assert 'id="search-results-library"' in html
    assert 'id="search-results-members"' in html
    assert "Zorblax</mark> calibration" in html
    assert "Zorblax</mark> handbook" in html
    assert "@zora" in html
    # Each section's link goes through the search log to the thing itself.
    log = logged()
    links = {attrs["href"] for tag, attrs in parse_elements(html) if tag == "a"}
    assert (
        reverse("search:open-topic", args=[log.token, topic.pk])
        + "?post="
        + str(topic.posts.get().pk)
        in links
    )
    assert reverse("search:open-resource", args=[log.token, resource.slug]) in links
    assert reverse("search:open-member", args=[log.token, person.username]) in links


@pytest.mark.parametrize(
    ("kind", "shown", "left_out"),
    [
        ("forums", "Zorblax</mark> calibration", ["handbook", "@zora"]),
        ("library", "Zorblax</mark> handbook", ["calibration", "@zora"]),
        ("members", "@zora", ["calibration", "handbook"]),
    ],
)
def test_a_kind_filter_shows_only_that_kind(one_of_each, kind, shown, left_out):
    html = results_part(page(client_for(member_factories.UserFactory()), q="zorblax", kind=kind))

    assert shown in html
    for text in left_out:
        assert text not in html
    assert "1 " in html.split('id="search-results"')[1][:80]


def test_all_shows_a_few_of_each_kind_and_links_to_the_rest(category):
    for n in range(kinds.TOP_PER_KIND + 2):
        topic_with(title=f"Zorblax {n}", category=category)
    article("Zorblax only one")
    client = client_for(member_factories.UserFactory())

    html = results_part(page(client, q="zorblax"))

    forums_section = html.split('id="search-results-forums"')[1].split("</section>")[0]
    assert forums_section.count('class="search-result"') == kinds.TOP_PER_KIND
    more = [a for t, a in parse_elements(forums_section) if t == "a" and "kind=forums" in a["href"]]
    assert len(more) == 1
    html = results_part(page(client, q="zorblax", kind="forums"))
    assert html.count('class="search-result"') == kinds.TOP_PER_KIND + 2


def test_a_kind_is_paginated(category):
    for n in range(kinds.RESULTS_PER_PAGE + 3):
        article(f"Zorblax guide {n}", slug=f"zorblax-{n}")
    client = client_for(member_factories.UserFactory())

    response = client.get(SEARCH, {"q": "zorblax", "kind": "library"})
    first = results_part(response.content.decode())
    assert first.count('class="search-result"') == kinds.RESULTS_PER_PAGE
    assert "Page 1 of 2" in first
    sq = response.context["search_ref"]
    assert f"sq={sq}" in first  # the next page's link carries the search
    second = results_part(page(client, q="zorblax", kind="library", page=2, sq=sq))
    assert second.count('class="search-result"') == 3
    search_log_flush()
    assert SearchQuery.objects.count() == 1  # paging is the same search


def test_forum_filters_apply_to_topics_and_posts_only(category):
    other = CategoryFactory(name="Elsewhere")
    topic_with(title="Zorblax here", category=category)
    topic_with(title="Zorblax there", category=other)
    article("Zorblax handbook")
    client = client_for(member_factories.UserFactory())

    html = results_part(page(client, q="zorblax", kind="forums", category=category.slug))
    assert "here" in html and "there" not in html
    assert "Filters for topics and posts" in page(client, q="zorblax", kind="forums")
    # Switching to the library keeps nothing of the forum filter, valid or not.
    html = page(client, q="zorblax", kind="library", category="no-such-category")
    assert "Zorblax</mark> handbook" in html
    assert "Filters for topics and posts" not in html


def test_library_snippets_are_text_with_tags_matched_too():
    article(
        "Pump guide",
        summary="",
        body="Tighten the **zorblax** first, then `reset` it.\n\n# Heading",
    )
    tagged = article("Another guide", summary="About valves.")
    tagged.tags.add(Tag.objects.create(name="Zorblax", slug="zorblax"))

    html = results_part(page(client_for(), q="zorblax", kind="library"))

    assert "2 resources found" in html
    assert "**" not in html and "`" not in html
    assert "<mark>zorblax</mark>" in html
    assert "About valves." in html
    assert unsafe_markup(html.split('id="search-results"')[1].split("</section>")[0]) == []


# --- Who finds what ---------------------------------------------------------------------


def test_private_topics_are_found_only_by_their_group():
    insider, outsider = member_factories.UserFactory(), member_factories.UserFactory()
    topic_with(title="Zorblax secret plan", category=private_category_for(insider))

    assert "secret plan" not in results_part(page(client_for(), q="zorblax"))
    assert "secret plan" not in results_part(page(client_for(outsider), q="zorblax"))
    assert "secret plan" in results_part(page(client_for(insider), q="zorblax"))


def test_members_only_resources_are_not_found_by_visitors():
    article("Zorblax members guide", access=LibraryAccess.MEMBERS)

    html = results_part(page(client_for(), q="zorblax"))
    assert "members guide" not in html
    assert logged().result_count == 0
    html = results_part(page(client_for(member_factories.UserFactory()), q="zorblax"))
    assert "members guide" in html


def test_a_private_resource_leaves_the_results_when_its_member_leaves_the_group():
    manager = member_factories.UserFactory(roles=["Community managers"])
    beta = group_create(actor=manager, name="Beta", slug="beta", join_policy=JoinPolicy.OPEN)
    resource = article("Zorblax beta notes", access=LibraryAccess.PRIVATE)
    resource_access_grant(resource=resource, group=Group.objects.get(pk=beta.group_id))
    insider, outsider = member_factories.UserFactory(), member_factories.UserFactory()
    group_join(user=insider, group_profile=beta)
    client = client_for(insider)

    assert "beta notes" not in results_part(page(client_for(), q="zorblax"))
    assert "beta notes" not in results_part(page(client_for(outsider), q="zorblax"))
    assert "beta notes" in results_part(page(client, q="zorblax", kind="library"))

    response = client.post(reverse("groups:leave", args=[beta.slug]))
    assert response.status_code in (200, 302)

    assert "beta notes" not in results_part(page(client, q="zorblax", kind="library"))
    assert client.get(reverse("search:open-resource", args=[1, resource.slug])).status_code == 404


def test_only_me_profile_fields_never_match_for_anyone_else():
    owner = member_with(
        "quiet",
        bio="I repair zorblax pumps.",
        bio_visibility=ONLY_ME,
        company="Vexacorp",
        company_visibility=ONLY_ME,
    )
    other = member_factories.UserFactory()

    for word in ("zorblax", "vexacorp"):
        for kind in ("members", "all"):
            html = results_part(page(client_for(other), q=word, kind=kind))
            assert "@quiet" not in html
            assert "zorblax pumps" not in html.lower()
    # The owner finds their own profile by it: "only me" includes them.
    html = results_part(page(client_for(owner), q="zorblax", kind="members"))
    assert "@quiet" in html
    assert "<mark>zorblax</mark> pumps" in html


def test_visible_profile_fields_match_and_show_highlighted():
    member_with(
        "loud",
        bio="I **repair** zorblax pumps.",
        location="Zorblaxville",
        location_visibility="members",
    )
    html = results_part(
        page(client_for(member_factories.UserFactory()), q="zorblax", kind="members")
    )

    assert "@loud" in html
    assert "<mark>zorblax</mark> pumps" in html
    assert "**" not in html
    assert "<mark>Zorblax</mark>ville" in html


def test_members_are_searched_only_by_those_who_may_browse_the_directory():
    member_with("zora", display_name="Zorblax Fan")

    html = page(client_for(), q="zorblax")
    assert 'id="search-results-members"' not in html
    assert 'value="members"' not in html
    html = page(client_for(), q="zorblax", kind="members")
    assert "Searching for members is for signed-in community members." in html
    assert "@zora" not in html
    search_log_flush()
    assert not SearchQuery.objects.filter(kind="members").exists()


def test_erased_members_are_not_found():
    manager = member_factories.UserFactory(roles=["Community managers"])
    gone = member_with("zorblaxer")
    member_erase(member=gone, actor=manager)

    html = results_part(
        page(client_for(member_factories.UserFactory()), q="zorblax", kind="members")
    )
    assert "0 members found" in html


# --- The old address, the header box ---------------------------------------------------------


def test_the_forum_search_address_redirects_with_its_query(client):
    response = client.get(
        "/forums/search/", {"q": "pump  error", "category": "billing", "page": "2"}
    )

    assert response.status_code == 301
    location = response["Location"]
    assert location.startswith(SEARCH + "?")
    assert "q=pump++error" in location and "category=billing" in location
    assert "page=2" in location and "kind=forums" in location
    assert client.get("/forums/search/12/open/34/?post=5")["Location"] == (
        reverse("search:open-topic", args=[12, 34]) + "?post=5"
    )


def test_the_header_search_box_submits_to_the_one_search(client):
    html = client.get(reverse("home")).content.decode()

    actions = [
        a.get("action")
        for t, a in parse_elements(html)
        if t == "form" and a.get("role") == "search"
    ]
    assert actions and set(actions) == {SEARCH}


# --- The log ---------------------------------------------------------------------------


def test_every_search_is_logged_with_its_kind_and_result_count(one_of_each, category):
    member = member_factories.UserFactory()
    client = client_for(member)

    page(client, q="Zorblax")
    page(client, q="zorblax", kind="library")
    page(client, q="nothing at all here", kind="members")
    page(client, q="zorblax", kind="forums", category=category.slug)

    search_log_flush()
    rows = list(
        SearchQuery.objects.order_by("pk").values_list("kind", "query", "result_count", "filters")
    )
    assert rows == [
        ("all", "zorblax", 3, {}),
        ("library", "zorblax", 1, {}),
        ("members", "nothing at all here", 0, {}),
        ("forums", "zorblax", 0, {"category": category.slug}),
    ]
    assert all(row.user == member for row in SearchQuery.objects.all())


def test_a_click_on_a_library_or_member_result_is_recorded(one_of_each):
    _topic, resource, person = one_of_each
    client = client_for(member_factories.UserFactory())
    page(client, q="zorblax")
    log = logged()

    response = client.get(reverse("search:open-resource", args=[log.token, resource.slug]))
    assert response["Location"] == resource.get_absolute_url()
    search_log_flush()
    log.refresh_from_db()
    assert log.clicked_at is not None and log.clicked_topic is None

    response = client.get(reverse("search:open-member", args=[log.token, person.username]))
    assert response["Location"] == reverse("members:profile", args=[person.username])
    visitor = client_for()
    assert visitor.get(reverse("search:open-member", args=[log.token, "zora"])).status_code == 404


# --- Hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 201, "at most 200 characters"),
        ("zorblax " * 2000, "at most 200 characters"),
        ("zorblax\x00", "Null characters are not allowed"),
    ],
)
def test_hostile_queries_get_a_clear_message(one_of_each, query, message):
    for kind in ("all", "library", "members"):
        html = page(client_for(member_factories.UserFactory()), q=query, kind=kind)
        assert message in html
    search_log_flush()
    assert not SearchQuery.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "!!!",
        "?.,;:",
        "' OR 1=1 --",
        "'; DROP TABLE library_resource; --",
        '"unbalanced',
        "%",
        "_",
        "\\",
        "&|!:*()",
        "Zörblåx 東京 🚀",
        "ﷺ\u200f\u202e",
    ],
)
def test_punctuation_sql_and_unicode_are_just_words(one_of_each, query):
    for kind in ("all", "forums", "library", "members"):
        html = page(client_for(member_factories.UserFactory()), q=query, kind=kind)
        assert "found for" in html or "search-results-" in html
    search_log_flush()
    assert SearchQuery.objects.count() == 4


def test_an_empty_search_shows_the_form_only(one_of_each):
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "", "kind": "library"}, {"kind": "nope"}):
        html = page(client_for(), **params)
        assert 'role="search"' in html
        assert "search-result" not in results_part(html)
    search_log_flush()
    assert not SearchQuery.objects.exists()


def test_a_kind_that_runs_too_long_is_refused_alone(one_of_each, monkeypatch):
    def too_broad(**kwargs):
        raise SearchTooBroad

    monkeypatch.setattr(kinds, "resource_search", too_broad)

    html = results_part(page(client_for(member_factories.UserFactory()), q="zorblax"))

    library = html.split('id="search-results-library"')[1].split("</section>")[0]
    assert "matches too much to rank quickly" in library
    assert "Zorblax</mark> calibration" in html
    assert "@zora" in html
    assert logged().result_count == 2
