"""'Did this answer your question?' as readers meet it: on solved topics and library
resources, for visitors too, one click (htmx or a plain form), one answer per person and
item, only where the reader may see the item, and never a 500 for odd input."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forums.services.answers import answer_accept, answer_unaccept
from forums.services.posts import post_create
from forums.services.topics import topic_create
from members.models import TrustLevel
from metrics.feedback import ANSWER_LIMITS
from metrics.models import AnswerFeedback
from tests.forums.factories import CategoryFactory, private_category_for
from tests.library.factories import ResourceFactory
from tests.members.factories import UserFactory
from tests.metrics.builders import utc_community

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("utc_community")]
__all__ = ["utc_community"]

PROMPT = "Did this answer your question?"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def solved_topic(category=None, *, asker=None, answerer=None):
    asker = asker or UserFactory(trust_level=TrustLevel.BASIC)
    answerer = answerer or UserFactory(trust_level=TrustLevel.MEMBER)
    category = category or CategoryFactory(qa=True)
    topic = topic_create(category=category, author=asker, title="How to export?", body="Help")
    answer = post_create(topic=topic, author=answerer, body="Use the export button.")
    return answer_accept(post=answer, actor=asker)


def url(topic) -> str:
    return reverse("answers:topic", args=[topic.pk])


def test_a_visitor_sees_the_prompt_on_a_solved_topic_without_getting_a_cookie(client):
    topic = solved_topic()
    response = client.get(topic.get_absolute_url())
    html = response.content.decode()
    assert PROMPT in html and f'action="{url(topic)}"' in html
    assert "csrfmiddlewaretoken" not in html  # the visitors' shared page carries no token
    assert not response.cookies  # nor sets a cookie
    again = client.get(topic.get_absolute_url())  # from the shared cache: the same page
    assert again.content == response.content


def test_no_prompt_on_a_topic_without_an_accepted_answer(client):
    asker = UserFactory()
    topic = topic_create(
        category=CategoryFactory(qa=True), author=asker, title="Open question", body="Hm?"
    )
    assert PROMPT not in client.get(topic.get_absolute_url()).content.decode()


def test_a_visitor_answers_with_one_click_and_a_second_click_replaces_it(client):
    topic = solved_topic()
    response = client.post(url(topic), {"answer": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"{topic.get_absolute_url()}#answer-prompt"
    assert client.cookies.get("sessionid")  # the session starts with the click
    page = client.get(response["Location"]).content.decode()
    assert "Thanks for telling us" in page

    client.post(url(topic), {"answer": "yes"})  # a double click
    assert AnswerFeedback.objects.count() == 1
    client.post(url(topic), {"answer": "no"})  # changed their mind: the latest wins
    stored = AnswerFeedback.objects.get()
    assert (stored.topic_id, stored.member, stored.answered) == (topic.pk, None, False)
    assert stored.voter.startswith("v:")
    assert client.cookies["sessionid"].value not in stored.voter  # a keyed hash only

    Client().post(url(topic), {"answer": "yes"})  # another visitor
    assert AnswerFeedback.objects.filter(answered=True).count() == 1


def test_a_member_answers_through_htmx_with_their_csrf_token():
    topic = solved_topic()
    member = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = client.get(topic.get_absolute_url()).content.decode()
    prompt = html[html.index('id="answer-prompt"') :]
    token = TOKEN.search(prompt).group(1)

    assert client.post(url(topic), {"answer": "yes"}).status_code == 403  # no token
    assert not AnswerFeedback.objects.exists()
    response = client.post(
        url(topic), {"answer": "yes", "csrfmiddlewaretoken": token}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Thanks for telling us" in response.content.decode()
    assert "<html" not in response.content.decode()  # the fragment, swapped in place
    client.post(url(topic), {"answer": "yes", "csrfmiddlewaretoken": token}, HTTP_HX_REQUEST="true")
    stored = AnswerFeedback.objects.get()
    assert (stored.member, stored.voter, stored.answered) == (member, f"m:{member.pk}", True)


def test_a_cross_site_post_from_a_visitor_is_refused(client):
    topic = solved_topic()
    response = client.post(url(topic), {"answer": "no"}, HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 403
    response = client.post(url(topic), {"answer": "no"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    assert not AnswerFeedback.objects.exists()
    same = client.post(url(topic), {"answer": "no"}, HTTP_ORIGIN="http://testserver")
    assert same.status_code == 302 and AnswerFeedback.objects.count() == 1


def test_a_private_topic_shows_the_prompt_only_to_those_who_see_it(client):
    insider = UserFactory()
    asker = UserFactory(trust_level=TrustLevel.BASIC)
    answerer = UserFactory(trust_level=TrustLevel.MEMBER)
    private = private_category_for(insider, asker, answerer, is_qa=True)
    topic = solved_topic(private, asker=asker, answerer=answerer)

    client.force_login(insider)
    assert PROMPT in client.get(topic.get_absolute_url()).content.decode()

    outsider = Client()
    outsider.force_login(UserFactory())
    assert outsider.get(topic.get_absolute_url()).status_code == 404
    assert outsider.post(url(topic), {"answer": "yes"}).status_code == 404
    assert Client().post(url(topic), {"answer": "yes"}).status_code == 404  # a visitor
    assert not AnswerFeedback.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/answers/topic/999999/",
        "/answers/topic/99999999999999999999999999/",
        "/answers/topic/abc/",
        "/answers/resource/no-such-thing/",
    ],
)
def test_bad_ids_are_a_404_not_a_500(client, path):
    assert client.post(path, {"answer": "yes"}).status_code == 404


def test_bad_answers_and_unsolved_topics_get_a_message_and_store_nothing(client):
    topic = solved_topic()
    response = client.post(url(topic), {"answer": "maybe"})
    assert response.status_code == 400
    assert "Choose Yes or No." in response.content.decode()
    assert client.get(url(topic)).status_code == 405  # answers are posted

    answer_unaccept(topic=topic, actor=topic.author)
    response = client.post(url(topic), {"answer": "yes"})
    assert response.status_code == 409
    assert "no accepted answer" in response.content.decode()
    htmx = client.post(url(topic), {"answer": "yes"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "no accepted answer" in htmx.content.decode()
    assert not AnswerFeedback.objects.exists()


def test_answers_are_rate_limited_per_person(client):
    topics = [solved_topic() for _ in range(ANSWER_LIMITS[0].count + 1)]
    for topic in topics[:-1]:
        assert client.post(url(topic), {"answer": "yes"}).status_code == 302
    response = client.post(url(topics[-1]), {"answer": "yes"})
    assert response.status_code == 429
    assert "20 answers a minute" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert AnswerFeedback.objects.count() == ANSWER_LIMITS[0].count


def test_library_resources_take_answers_from_those_who_see_them(client):
    guide = ResourceFactory(public=True)
    secret = ResourceFactory(private=True)
    page = client.get(guide.get_absolute_url())
    assert PROMPT in page.content.decode() and "sessionid" not in page.cookies
    answer_url = reverse("answers:resource", args=[guide.slug])
    response = client.post(answer_url, {"answer": "yes"})
    assert response["Location"] == f"{guide.get_absolute_url()}#answer-prompt"
    stored = AnswerFeedback.objects.get()
    assert (stored.resource, stored.topic, stored.answered) == (guide, None, True)

    secret_url = reverse("answers:resource", args=[secret.slug])
    assert client.post(secret_url, {"answer": "yes"}).status_code == 404
    assert AnswerFeedback.objects.count() == 1


def test_the_prompt_adds_no_query_to_the_pages(client, django_assert_max_num_queries):
    topic = solved_topic()
    client.get(topic.get_absolute_url())  # fills the shared caches
    with django_assert_max_num_queries(3):  # the topic, the visitor's reach, the branding
        assert PROMPT in client.get(topic.get_absolute_url()).content.decode()
    guide = ResourceFactory(public=True)
    client.get(guide.get_absolute_url())
    with django_assert_max_num_queries(12):
        assert PROMPT in client.get(guide.get_absolute_url()).content.decode()


def test_a_members_answers_are_in_their_export_and_untied_when_erased(client):
    import io
    import json
    import zipfile

    from members.services.data import member_data_export, member_erase

    topic = solved_topic()
    member = UserFactory()
    client.force_login(member)
    client.post(url(topic), {"answer": "yes"})
    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=member)))
    answers = json.loads(archive.read(f"{member.username}-data/answer_feedback.json"))
    assert answers == [
        {"topic": topic.pk, "resource": None, "answered": "yes", "day": answers[0]["day"]}
    ]

    member_erase(member=member, actor=member)
    stored = AnswerFeedback.objects.get()  # the answer stays in the figures…
    assert stored.answered is True and stored.member is None
    assert stored.voter == f"x:{stored.pk}"  # …no longer tied to the account
