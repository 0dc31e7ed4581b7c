import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from forums.models import Tag, Watch, WatchLevel
from forums.services.posts import post_create
from forums.services.watching import topic_watch_level, watch_set
from members.models import ApprovalStatus, User
from tests.forums.factories import TopicFactory, private_category_for
from tests.html import parse_elements
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

WATCH = reverse("forums:watch")
SUGGEST = reverse("forums:mention-suggestions")


# --- forums:watch ----------------------------------------------------------------------------


def test_watching_a_topic_with_htmx_swaps_the_control(client_as_member, member, topic):
    response = client_as_member.post(
        WATCH, {"target": "topic", "id": topic.pk, "level": "2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert topic_watch_level(member, topic) == WatchLevel.EVERY_POST
    html = response.content.decode()
    assert 'aria-pressed="true"' in html and ">Watching</button>" in html
    assert "every new post notifies you" in html


def test_the_plain_form_redirects_back_with_a_message(client_as_member, member, topic):
    next_url = topic.get_absolute_url() + "?page=1"
    response = client_as_member.post(
        WATCH, {"target": "category", "id": topic.category_id, "level": "0", "next": next_url}
    )
    assert response.status_code == 302 and response.url == next_url
    assert Watch.objects.get(user=member, category=topic.category).level == WatchLevel.MUTED
    response = client_as_member.post(
        WATCH,
        {"target": "category", "id": topic.category_id, "level": "default", "next": "https://evil"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == topic.category.get_absolute_url()
    assert not Watch.objects.filter(user=member).exclude(topic=topic).exists()
    assert b"now follows your default notifications" in response.content


def test_watching_a_tag(client_as_member, member):
    tag = Tag.objects.create(name="kettles", slug="kettles")
    response = client_as_member.post(WATCH, {"target": "tag", "id": tag.pk, "level": "2"})
    assert response.status_code == 302
    assert Watch.objects.get(user=member, tag=tag).level == WatchLevel.EVERY_POST


@pytest.mark.parametrize("target", ["topic", "category", "tag"])
def test_targets_the_member_cannot_see_answer_404_like_missing_ones(client_as_member, target):
    private = private_category_for(UserFactory())
    topic = TopicFactory(category=private)
    tag = Tag.objects.create(name="beta", slug="beta")
    tag.categories.add(private)
    pk = {"topic": topic.pk, "category": private.pk, "tag": tag.pk}[target]
    for ident in (pk, 999_999):
        response = client_as_member.post(WATCH, {"target": target, "id": ident, "level": "2"})
        assert response.status_code == 404
    assert not Watch.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"target": "topic", "level": "9"},
        {"target": "post", "level": "2"},
        {"target": "topic", "level": "2", "id": "x"},
        {"target": "topic", "level": "2", "id": "99999999999999999999999"},
        {"target": "topic", "level": "2\x00"},
    ],
)
def test_bad_input_gets_a_clear_400(client_as_member, topic, data):
    data.setdefault("id", topic.pk)
    response = client_as_member.post(WATCH, data)
    assert response.status_code == 400
    assert response.content.startswith(b"Could not change notifications")


def test_visitors_are_sent_to_sign_in_and_get_is_refused(client, topic):
    response = client.post(WATCH, {"target": "topic", "id": topic.pk, "level": "2"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(WATCH).status_code == 405
    assert not Watch.objects.exclude(user=topic.author).exists()


# --- {% watch_controls %} ----------------------------------------------------------------------


def _render(user, target):
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load forum_watching %}{% watch_controls target %}")
    return template.render(Context({"request": request, "user": user, "target": target}))


def test_the_controls_show_the_inherited_level_in_one_query(
    member, topic, django_assert_num_queries
):
    topic = type(topic).objects.select_related("category").get(pk=topic.pk)
    watch_set(user=member, level=WatchLevel.EVERY_POST, category=topic.category)
    with django_assert_num_queries(1):
        html = _render(member, topic)
    assert f"Watching, from the category “{topic.category.name}”" in html
    assert "Use the default" not in html
    with django_assert_num_queries(1):
        html = _render(member, topic.category)
    assert "Watching for this category: every new post" in html and "Use the default" in html
    pressed = [
        attrs["value"]
        for tag, attrs in parse_elements(html)
        if tag == "button" and attrs.get("aria-pressed") == "true"
    ]
    assert pressed == [str(WatchLevel.EVERY_POST.value)]


def test_the_controls_show_nothing_to_visitors_or_pending_members(topic, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    with django_assert_num_queries(0):
        assert _render(AnonymousUser(), topic).strip() == ""
    pending = UserFactory(approval_status=ApprovalStatus.PENDING)
    assert _render(pending, topic).strip() == ""


# --- forums:mention-suggestions -------------------------------------------------------------


def _usernames(response):
    return [row["username"] for row in response.json()["results"]]


def test_suggestions_match_the_prefix_and_put_participants_first(client_as_member, topic):
    # The fixtures' members have random display names ("Mary …" would match too).
    User.objects.update(display_name="Someone Else")
    UserFactory(username="mara")
    marco = UserFactory(username="marco", display_name="Marco Polo")
    UserFactory(username="zed", display_name="Mary Zed")
    post_create(topic=topic, author=marco, body="Hi")
    response = client_as_member.get(SUGGEST, {"q": "mar", "topic": topic.pk})
    assert response.status_code == 200
    assert _usernames(response) == ["marco", "mara", "zed"]
    row = response.json()["results"][0]
    assert row["display_name"] == "Marco Polo" and row["initials"] == "MP"
    assert set(row) == {"username", "display_name", "avatar_url", "initials", "colour"}


def test_suggestions_in_a_private_category_offer_only_its_members(
    client, django_assert_max_num_queries
):
    insider, outsider = UserFactory(username="insider1"), UserFactory(username="insider2")
    asker = UserFactory(username="asker")
    private = private_category_for(insider, asker)
    topic = TopicFactory(category=private)
    client.force_login(asker)
    for params in ({"topic": topic.pk}, {"category": private.pk}):
        # One more without Redis: the session is read from the database.
        with django_assert_max_num_queries(12 if settings.REDIS_URL else 13):
            response = client.get(SUGGEST, {"q": "insi", **params})
        assert _usernames(response) == ["insider1"]
    assert outsider  # exists, matches the prefix, is not offered


def test_suggestions_for_a_target_the_member_cannot_see_are_404(client_as_member):
    private = private_category_for(UserFactory())
    topic = TopicFactory(category=private)
    assert client_as_member.get(SUGGEST, {"q": "a", "topic": topic.pk}).status_code == 404
    assert client_as_member.get(SUGGEST, {"q": "a", "category": private.pk}).status_code == 404
    assert client_as_member.get(SUGGEST, {"q": "a"}).status_code == 404
    assert client_as_member.get(SUGGEST, {"q": "a", "topic": "1 OR 1=1"}).status_code == 404


def test_suggestions_are_for_members_only(client, topic):
    assert client.get(SUGGEST, {"q": "ol", "topic": topic.pk}).status_code == 404


def test_suggestions_ignore_odd_prefixes(client_as_member, topic):
    for q in ("", "'; --", "x" * 200, "\x00"):
        response = client_as_member.get(SUGGEST, {"q": q, "topic": topic.pk})
        assert response.status_code == 200 and response.json() == {"results": []}


def test_suggestions_query_count_does_not_grow_with_members(
    client_as_member, topic, django_assert_max_num_queries
):
    for n in range(3):
        UserFactory(username=f"sam{n}")

    def ask():
        return client_as_member.get(SUGGEST, {"q": "sam", "topic": topic.pk})

    ask()  # warm: the session, and the member's reach (forums.permissions.member_reach)
    with django_assert_max_num_queries(10) as few:
        assert len(_usernames(ask())) == 3
    for n in range(3, 20):
        UserFactory(username=f"sam{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_usernames(ask())) == 8


def test_suggestions_are_rate_limited(client_as_member, topic, monkeypatch):
    from community.ratelimit import RateLimit
    from forums.views import mentions

    monkeypatch.setattr(mentions, "SUGGESTION_LIMITS", (RateLimit(2, 60, "2 look-ups a minute"),))
    for _ in range(2):
        assert client_as_member.get(SUGGEST, {"q": "ol", "topic": topic.pk}).status_code == 200
    response = client_as_member.get(SUGGEST, {"q": "ol", "topic": topic.pk})
    assert response.status_code == 429 and response["Retry-After"]
