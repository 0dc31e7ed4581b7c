"""The search page and the result link: what a visitor and a member see, bad input, rate
limits, and the search log (one entry per search, clicks only by the searcher), which a
search writes nothing for on the request: the periodic flush writes it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from forums.models import SearchQuery
from forums.selectors import search as search_selectors
from forums.selectors.search import SearchCriteria, search_text_normalize
from search import views as search_views
from tests.forums.factories import CategoryFactory, private_category_for
from tests.forums.search.helpers import reply, topic_with
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory
from tests.search_log import search_log_flush

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def _open_url(token: str, topic_id: int) -> str:
    return reverse("search:open-topic", args=[token, topic_id])


def _token(html: str) -> str:
    """The search's token, as its result links carry it."""
    links = [attrs["href"] for tag, attrs in parse_elements(html) if tag == "a"]
    return next(link.split("/")[2] for link in links if "/open/topic/" in link)


def _searched(client, **params):
    """Search as `client`; the search's token and its page links' ?sq= (as the pager's links
    carry it, or, for one page of results without filters, signed as the view signs it)."""
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    html = response.content.decode()
    token = _token(html)
    pager = [
        parse_qs(urlsplit(attrs["href"]).query)["sq"][0]
        for tag, attrs in parse_elements(html)
        if tag == "a" and "sq=" in attrs.get("href", "")
    ]
    if pager:
        return token, pager[0]
    criteria = SearchCriteria(text=search_text_normalize(params["q"]))
    fingerprint = search_views._fingerprint(params["kind"], criteria)
    return token, f"{token}.{search_views._paging_signature(token, fingerprint)}"


def _logged() -> SearchQuery:
    search_log_flush()
    return SearchQuery.objects.get()


def test_empty_search_shows_the_form_only(client, category):
    topic_with(title="Zorblax", category=category)

    for url in (SEARCH, f"{SEARCH}?q=", f"{SEARCH}?q=+++"):
        response = client.get(url)
        assert response.status_code == 200
        assert b'role="search"' in response.content
        assert b"search-result" not in response.content
    assert not SearchQuery.objects.exists()


def test_visitor_sees_results_with_highlight_category_author_and_solved_badge(client):
    category = CategoryFactory(name="Pumps", qa=True)
    topic = topic_with(title="Zorblax alignment", category=category)
    answer = reply(topic, "Align the zorblax <script>alert(1)</script> first.")
    type(topic).objects.filter(pk=topic.pk).update(accepted_answer=answer)

    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 topic found" in html
    assert "<mark>" in html
    assert "&lt;script&gt;" in html
    assert unsafe_markup(html.split('id="search-results"')[1]) == []
    assert "Pumps" in html
    assert answer.author_name in html
    assert "Solved" in html
    links = [attrs["href"] for tag, attrs in parse_elements(html) if tag == "a"]
    token = _token(html)
    assert len(token) == 16
    assert f"{_open_url(token, topic.pk)}?post={answer.pk}" in links
    assert not SearchQuery.objects.exists()  # nothing written on the request
    assert "sessionid" not in response.cookies
    assert _logged().token == token


def test_reflected_query_is_escaped(client):
    response = client.get(SEARCH, {"kind": "forums", "q": "<script>alert(1)</script>"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert unsafe_markup(html.split('id="search-results"')[1]) == []
    scripts = [attrs for tag, attrs in parse_elements(html) if tag == "script"]
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    [query_input] = [attrs for tag, attrs in parse_elements(html) if attrs.get("id") == "id_q"]
    assert query_input["value"] == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 201, "at most 200 characters"),
        ("x" * 10_000, "at most 200 characters"),
        ("zorblax\x00", "Null characters are not allowed"),
    ],
)
def test_hostile_queries_get_a_clear_message(client, category, query, message):
    topic_with(title="Zorblax", category=category)

    response = client.get(SEARCH, {"kind": "forums", "q": query})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SearchQuery.objects.exists()


@pytest.mark.parametrize(
    "query", ["' OR 1=1 --", '"unbalanced', "zorblax)(:*&|!\\", "%", "_", "\\", ":*", "&|!"]
)
def test_sql_and_search_syntax_are_just_words(client, category, query):
    topic_with(title="Zorblax", category=category)

    response = client.get(SEARCH, {"kind": "forums", "q": query})

    assert response.status_code == 200
    assert "found for" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"category": "no-such-category"},
        {"tag": "nope"},
        {"after": "not-a-date"},
        {"before": "2024-13-45"},
        {"after": "2025-02-01", "before": "2025-01-01"},
        {"solved": "maybe"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "99999999999999999999999"},
        {"author": "a" * 500},
        {"category": "\x00"},
    ],
)
def test_bad_filters_get_a_form_error_not_a_500(client, category, params):
    topic_with(title="Zorblax", category=category)

    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax", **params})

    assert response.status_code == 200


def test_a_private_category_is_not_offered_nor_accepted_as_a_filter(client):
    insider = UserFactory()
    secret = private_category_for(insider, name="Beta programme")
    topic_with(title="Zorblax secrets", category=secret)

    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax", "category": secret.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Beta programme" not in html
    assert "Zorblax secrets" not in html

    client.force_login(insider)
    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax", "category": secret.slug})
    assert "Beta programme" in response.content.decode()
    assert "1 topic found" in response.content.decode()


def test_members_only_community_sends_visitors_to_sign_in(client, members_only, category):
    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax"})
    assert response.status_code == 302
    assert not SearchQuery.objects.exists()


# --- The search log ------------------------------------------------------------------------


def test_each_search_is_logged_once_with_its_result_count(client, category):
    member = UserFactory()
    client.force_login(member)
    for n in range(23):
        topic_with(title=f"Zorblax {n}", category=category)

    _, sq = _searched(client, kind="forums", q="  Zorblax  ", solved="no")
    search = _logged()
    assert search.user == member
    assert search.query == "zorblax"
    assert search.filters == {"solved": False}
    assert search.result_count == 23
    assert search.clicked_at is None

    # Paging through the same results doesn't log again.
    response = client.get(
        SEARCH, {"kind": "forums", "q": "Zorblax", "solved": "no", "sq": sq, "page": 2}
    )
    assert response.status_code == 200
    assert "Page 2 of 2" in response.content.decode()
    search_log_flush()
    assert SearchQuery.objects.count() == 1

    # A changed query under the old ?sq= is a new search.
    client.get(SEARCH, {"kind": "forums", "q": "zorblax 7", "solved": "no", "sq": sq})
    search_log_flush()
    assert SearchQuery.objects.count() == 2


def test_zero_result_searches_are_logged(client, category):
    client.get(SEARCH, {"kind": "forums", "q": "nothing matches this"})

    search = _logged()
    assert search.user is None
    assert search.result_count == 0


def test_someone_else_cannot_reuse_a_logged_search_by_its_paging_link(client, category):
    topic_with(title="Zorblax", category=category)
    _, sq = _searched(client, kind="forums", q="zorblax")

    other = Client()
    other.get(SEARCH, {"kind": "forums", "q": "zorblax", "sq": sq})  # the same words: theirs
    other.get(SEARCH, {"kind": "forums", "q": "zorblax", "sq": sq[:-1] + "x"})  # forged
    other.get(SEARCH, {"kind": "forums", "q": "zorblax", "sq": "1"})  # an old numeric id
    search_log_flush()
    assert SearchQuery.objects.count() == 3


def test_a_click_is_recorded_for_the_member_who_searched(client, category):
    member = UserFactory()
    client.force_login(member)
    topic = topic_with(title="Zorblax", category=category)
    token, _ = _searched(client, kind="forums", q="zorblax")

    response = client.get(_open_url(token, topic.pk))

    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    search = _logged()
    assert search.clicked_at is not None
    assert search.clicked_topic == topic


def test_a_click_leads_to_the_matching_post(client, category):
    topic = topic_with(category=category)
    post = reply(topic, "zorblax here")
    token, _ = _searched(client, kind="forums", q="zorblax")

    response = client.get(f"{_open_url(token, topic.pk)}?post={post.pk}")

    assert response["Location"] == reverse("forums:post-open", args=[post.pk])
    # A post of another topic is ignored: the link goes to the topic.
    other = reply(topic_with(category=category), "elsewhere")
    response = client.get(f"{_open_url(token, topic.pk)}?post={other.pk}")
    assert response["Location"] == topic.get_absolute_url()


def test_a_visitor_click_is_recorded_from_their_results_link(client, category):
    topic = topic_with(title="Zorblax", category=category)
    token, _ = _searched(client, kind="forums", q="zorblax")
    search = _logged()

    # Their search by its old number: the link still works, and records nothing.
    assert client.get(_open_url(str(search.pk), topic.pk)).status_code == 302
    search_log_flush()
    search.refresh_from_db()
    assert search.clicked_at is None

    response = client.get(_open_url(token, topic.pk))
    assert "sessionid" not in response.cookies
    search_log_flush()
    search.refresh_from_db()
    assert search.clicked_topic == topic


def test_another_member_cannot_set_clicks_on_my_search(client, category):
    me = UserFactory()
    client.force_login(me)
    topic = topic_with(title="Zorblax", category=category)
    token, _ = _searched(client, kind="forums", q="zorblax")

    other = Client()
    other.force_login(UserFactory())
    assert other.get(_open_url(token, topic.pk)).status_code == 302
    # Nor on a visitor's search, even with its link.
    visitor_token, _ = _searched(Client(), kind="forums", q="zorblax")
    other.get(_open_url(visitor_token, topic.pk))

    search_log_flush()
    assert SearchQuery.objects.get(user=me).clicked_at is None
    assert SearchQuery.objects.get(user=None).clicked_at is None


def test_only_the_first_click_counts(client, category):
    first = topic_with(title="Zorblax one", category=category)
    second = topic_with(title="Zorblax two", category=category)
    token, _ = _searched(client, kind="forums", q="zorblax")

    client.get(_open_url(token, first.pk))
    search_log_flush()
    client.get(_open_url(token, second.pk))

    assert _logged().clicked_topic == first


def test_open_answers_404_for_a_topic_the_viewer_cannot_see(client, category):
    insider = UserFactory()
    secret_topic = topic_with(title="Zorblax", category=private_category_for(insider))
    client.force_login(insider)
    token, _ = _searched(client, kind="forums", q="zorblax")

    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(_open_url(token, secret_topic.pk)).status_code == 404
    assert client.get(_open_url(token, 999_999)).status_code == 404
    # Visible when searched, hidden since: 404 too, and no click recorded.
    type(secret_topic).objects.filter(pk=secret_topic.pk).update(is_hidden=True)
    assert client.get(_open_url(token, secret_topic.pk)).status_code == 404
    assert _logged().clicked_at is None


def test_open_with_out_of_range_ids_is_a_404_not_a_500(client, category):
    topic = topic_with(category=category)
    huge = "9" * 25
    assert client.get(f"/search/{huge}/open/topic/{topic.pk}/").status_code == 302
    assert client.get(f"/search/1/open/topic/{huge}/").status_code == 404
    response = client.get(f"{_open_url(1, topic.pk)}?post={huge}")
    assert response["Location"] == topic.get_absolute_url()


# --- Rate limits -------------------------------------------------------------------------


def test_searches_are_rate_limited_with_retry_after(client, category, monkeypatch):
    monkeypatch.setattr(
        search_views,
        "VISITOR_SEARCH_LIMITS",
        (search_views.RateLimit(2, 60, "2 searches a minute"),),
    )
    topic_with(title="Zorblax", category=category)

    assert client.get(SEARCH, {"kind": "forums", "q": "zorblax"}).status_code == 200
    assert client.get(SEARCH, {"kind": "forums", "q": "zorblax"}).status_code == 200
    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "2 searches a minute" in response.content.decode()
    search_log_flush()
    assert SearchQuery.objects.count() == 2
    # The form alone is not a search and is never refused.
    assert client.get(SEARCH).status_code == 200


def test_members_are_limited_per_member_not_per_address(category, monkeypatch):
    monkeypatch.setattr(
        search_views,
        "MEMBER_SEARCH_LIMITS",
        (search_views.RateLimit(1, 60, "1 search a minute"),),
    )
    first, second = Client(), Client()
    first.force_login(UserFactory())
    second.force_login(UserFactory())

    assert first.get(SEARCH, {"kind": "forums", "q": "zorblax"}).status_code == 200
    assert second.get(SEARCH, {"kind": "forums", "q": "zorblax"}).status_code == 200
    assert first.get(SEARCH, {"kind": "forums", "q": "zorblax"}).status_code == 429


def test_the_search_box_is_in_the_site_header(client):
    response = client.get(reverse("forums:category-list"))

    forms = [attrs for tag, attrs in parse_elements(response.content.decode()) if tag == "form"]
    assert any(form.get("action") == SEARCH for form in forms)


def test_a_search_too_broad_to_rank_in_time_gets_a_message(client, category, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the time limit is PostgreSQL's statement_timeout")
    topic_with(title="Zorblax", category=category)

    def slow_ranking(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(search_selectors, "SEARCH_TIMEOUT_MS", 50)
    monkeypatch.setattr(search_selectors._PostgresSearch, "ranked_topics", slow_ranking)

    response = client.get(SEARCH, {"kind": "forums", "q": "zorblax"})

    assert response.status_code == 200
    assert "matches too much to rank quickly" in response.content.decode()
    # The time limit ended with the search: the rest of the request runs unbounded.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
