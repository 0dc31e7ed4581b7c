"""The poll on its topic's page: the box for members and visitors, voting in place (htmx)
and without JavaScript, the visibility modes in the visitors' cached page, private topics,
refusals, "Add a poll" and the new-topic form's follow-up, and the page's query bounds."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from forums.services.moderation import topic_lock_set
from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from polls.models import Ballot, PollKind, ResultsVisibility
from polls.services import poll_close, vote_cast
from tests.forums.factories import CategoryFactory, PostFactory, TopicFactory
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ids(poll):
    return list(poll.options.values_list("pk", flat=True))


def topic_url(poll) -> str:
    return poll.topic.get_absolute_url() + "?page=1"


def page_of(client, poll) -> str:
    response = client.get(topic_url(poll))
    assert response.status_code == 200
    return response.content.decode()


def vote_url(poll) -> str:
    return reverse("polls:poll-vote", args=[poll.pk])


def box_of(html: str, poll) -> str:
    """The poll box of a page, or "" when the page has none."""
    marker = f'id="poll-{poll.pk}"'
    if marker not in html:
        return ""
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def test_a_member_sees_the_poll_with_its_form_near_the_top(client_as_member):
    poll = make_poll()
    html = page_of(client_as_member, poll)
    box = box_of(html, poll)
    assert "Which one?" in box
    assert 'name="option"' in box
    assert f'name="next" value="{poll.topic.get_absolute_url()}"' in box
    assert html.index(f'id="poll-{poll.pk}"') < html.index('aria-label="Posts"')


def test_a_visitor_sees_the_results_and_a_sign_in_link(client):
    poll = make_poll()
    vote_cast(poll=poll, voter=UserFactory(), selection=ids(poll)[:1])
    box = box_of(page_of(client, poll), poll)
    assert "1 vote (100.0 %)" in box
    assert "Sign in to vote" in box
    assert "<form" not in box


def test_a_topic_without_a_poll_has_no_box(client_as_member, client):
    topic = TopicFactory()
    for viewer in (client_as_member, client):
        html = viewer.get(topic.get_absolute_url() + "?page=1").content.decode()
        assert 'class="card poll' not in html


def test_voting_from_the_topic_page_without_javascript_comes_back_to_it(client_as_member):
    poll = make_poll()
    topic_path = poll.topic.get_absolute_url()
    response = client_as_member.post(vote_url(poll), {"option": ids(poll)[1], "next": topic_path})
    assert response.status_code == 302
    assert response["Location"] == f"{topic_path}#poll-{poll.pk}"
    html = client_as_member.get(response["Location"]).content.decode()
    assert "Thanks, your vote is in." in html
    box = box_of(html, poll)
    assert "You voted in this poll" in box
    assert "1 vote (100.0 %)" in box
    assert "Change my vote" in box


def test_a_next_to_another_site_is_ignored(client_as_member):
    poll = make_poll()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        Ballot.objects.all().delete()
        response = client_as_member.post(vote_url(poll), {"option": ids(poll)[0], "next": target})
        assert response.status_code == 302
        assert response["Location"] == poll.get_absolute_url()


def test_voting_from_the_topic_page_with_htmx_swaps_the_box(client_as_member):
    poll = make_poll(results_visibility=ResultsVisibility.AFTER_VOTE)
    box = box_of(page_of(client_as_member, poll), poll)
    assert "Results are shown once you have voted." in box
    response = client_as_member.post(
        vote_url(poll),
        {"option": ids(poll)[0], "next": poll.topic.get_absolute_url()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert '<h2 class="poll__question"' in body  # the topic page's own heading stays the h1
    assert "1 vote (100.0 %)" in body
    # The box carries `next` on, so a changed vote without JavaScript still comes back.
    assert f'name="next" value="{poll.topic.get_absolute_url()}"' in body


def test_visitors_see_a_vote_at_once_though_their_page_is_cached(client):
    poll = make_poll()
    assert "0 votes (0.0 %)" in box_of(page_of(client, poll), poll)
    assert "0 votes (0.0 %)" in box_of(page_of(client, poll), poll)  # now from the cache
    vote_cast(poll=poll, voter=UserFactory(), selection=ids(poll)[:1])
    assert "1 vote (100.0 %)" in box_of(page_of(client, poll), poll)


@pytest.mark.parametrize(
    "visibility",
    [ResultsVisibility.AFTER_VOTE, ResultsVisibility.AFTER_CLOSE, ResultsVisibility.STAFF],
)
def test_hidden_results_stay_hidden_on_the_topic_page(client, visibility):
    poll = make_poll(results_visibility=visibility)
    voter = UserFactory()
    vote_cast(poll=poll, voter=voter, selection=ids(poll)[:1])
    for viewer in (client, client, client_for(UserFactory())):  # twice: cached visitor page
        box = box_of(page_of(viewer, poll), poll)
        assert "Which one?" in box
        assert "100.0 %" not in box
    voter_box = box_of(page_of(client_for(voter), poll), poll)
    assert ("1 vote (100.0 %)" in voter_box) == (visibility == ResultsVisibility.AFTER_VOTE)
    moderator = client_for(UserFactory(roles=[roles.MODERATORS]))
    assert "1 vote (100.0 %)" in box_of(page_of(moderator, poll), poll)

    poll_close(poll=poll, actor=UserFactory(roles=[roles.MODERATORS]))
    visitor_box = box_of(page_of(client, poll), poll)
    assert ("1 vote (100.0 %)" in visitor_box) == (visibility != ResultsVisibility.STAFF)
    assert "Sign in to vote" not in visitor_box


def test_a_private_categorys_poll_is_nowhere_for_outsiders(client_as_member, client):
    moderator = UserFactory(roles=[roles.MODERATORS])
    topic = TopicFactory(category=CategoryFactory(private=True), author=moderator)
    poll = make_poll(topic=topic)
    poll.question = "Secret roadmap question"
    poll.save()
    for viewer in (client_as_member, client):
        assert viewer.get(topic.get_absolute_url() + "?page=1").status_code == 404
        assert viewer.get(poll.get_absolute_url()).status_code == 404
        assert "Secret roadmap" not in viewer.get(reverse("polls:poll-list")).content.decode()
    assert client.get(reverse("polls:poll-list")).status_code == 200
    assert "Secret roadmap" in box_of(page_of(client_for(moderator), poll), poll)


def test_leaving_the_group_takes_the_topic_poll_away_on_the_next_request(member):
    carmen = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    beta = group_create(actor=carmen, name="Beta", slug="beta", join_policy=JoinPolicy.OPEN)
    from forums.services.categories import category_access_grant

    category = CategoryFactory(private=True)
    category_access_grant(category=category, group=beta.group)
    poll = make_poll(topic=TopicFactory(category=category, author=carmen))
    client = client_for(member)
    assert client.post(reverse("groups:join", args=[beta.slug])).status_code == 302
    assert "Which one?" in box_of(page_of(client, poll), poll)
    assert client.post(vote_url(poll), {"option": ids(poll)[0]}).status_code == 302

    assert client.post(reverse("groups:leave", args=[beta.slug])).status_code == 302
    assert client.get(topic_url(poll)).status_code == 404
    assert client.post(vote_url(poll), {"option": ids(poll)[0], "change": "1"}).status_code == 404
    assert "Which one?" not in client.get(reverse("polls:poll-list")).content.decode()


@pytest.mark.parametrize("state", ["locked", "hidden", "merged"])
def test_a_locked_hidden_or_merged_topic_refuses_votes(client_as_member, member, state):
    poll = make_poll()
    topic = poll.topic
    moderator = UserFactory(roles=[roles.MODERATORS])
    if state == "locked":
        topic_lock_set(topic=topic, actor=moderator, locked=True)
        message = "This topic is locked: its poll takes no votes."
    elif state == "hidden":
        type(topic).objects.filter(pk=topic.pk).update(is_hidden=True)
        message = "hidden by a moderator"
    else:
        type(topic).objects.filter(pk=topic.pk).update(merged_into=TopicFactory())
        message = "merged into another"
    client = client_for(moderator) if state == "hidden" else client_as_member
    response = client.post(vote_url(poll), {"option": ids(poll)[0]})
    assert response.status_code == 403
    assert message in response.content.decode()
    assert not Ballot.objects.exists()
    if state == "locked":
        box = box_of(page_of(client_as_member, poll), poll)
        assert message in box
        assert "<form" not in box


def test_add_a_poll_is_offered_to_the_author_and_moderators_only(client_as_member, member):
    topic = TopicFactory(author=member)
    url = topic.get_absolute_url() + "?page=1"
    create = reverse("polls:poll-create", args=[topic.pk])
    assert create in client_as_member.get(url).content.decode()
    moderator = client_for(UserFactory(roles=[roles.MODERATORS]))
    assert create in moderator.get(url).content.decode()
    assert create not in client_for(UserFactory()).get(url).content.decode()
    assert create not in Client().get(url).content.decode()
    make_poll(topic=topic)
    assert create not in client_as_member.get(url).content.decode()


def test_the_new_topic_form_leads_to_the_poll_form_when_asked(client_as_member):
    category = CategoryFactory()
    url = reverse("forums:topic-create", args=[category.slug])
    form = client_as_member.get(url).content.decode()
    assert "Add a poll after posting" in form
    response = client_as_member.post(
        url, {"title": "Where should we meet?", "body": "Vote below.", "then_add_poll": "on"}
    )
    assert response.status_code == 302
    topic = category.topics.get()
    assert response["Location"] == reverse("polls:poll-create", args=[topic.pk]) + "?new=1"
    page = client_as_member.get(response["Location"]).content.decode()
    assert "Your topic is posted" in page
    response = client_as_member.post(
        response["Location"],
        {
            "question": "Which city?",
            "kind": "single",
            "options": "Lyon\nOslo",
            "min_choices": "1",
            "results_visibility": "always",
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(topic.get_absolute_url())
    box = box_of(page_of(client_as_member, topic.poll), topic.poll)
    assert "Which city?" in box and "Oslo" in box


@pytest.mark.parametrize("viewer_kind", ["visitor", "member", "voter", "moderator"])
def test_the_topic_page_with_a_poll_costs_a_bounded_number_of_queries(
    viewer_kind, django_assert_max_num_queries
):
    poll = make_poll(kind=PollKind.RANKED, options=[f"Option {n}" for n in range(12)])
    for _ in range(3):
        vote_cast(poll=poll, voter=UserFactory(), selection=ids(poll)[:5])
    client = Client()
    group = Group.objects.create(name="voters")
    if viewer_kind != "visitor":
        user = UserFactory(roles=[roles.MODERATORS] if viewer_kind == "moderator" else [])
        group.user_set.add(user)
        poll.voter_groups.add(group)
        if viewer_kind == "voter":
            vote_cast(poll=poll, voter=user, selection=ids(poll)[:3])
        client = client_for(user)
    PostFactory.create_batch(5, topic=poll.topic)
    page_of(client, poll)  # warm the session, the reach and the shared caches
    # Visitor: the topic, nothing else (the page and the poll box come from the cache).
    # Member: the topic, the session's user, their page state, the poll with their ballot and
    # groups, and a voter's own choices.
    bound = {"visitor": 1, "member": 5, "voter": 6, "moderator": 5}[viewer_kind]
    if viewer_kind != "visitor" and not settings.REDIS_URL:
        bound += 1  # the session, read from the database when there is no Redis
    with django_assert_max_num_queries(bound):
        html = page_of(client, poll)
    assert "Option 11" in box_of(html, poll)
    for _ in range(10):
        voter = UserFactory()
        group.user_set.add(voter)
        vote_cast(poll=poll, voter=voter, selection=ids(poll)[:7])
    page_of(client, poll)  # the new results, computed once
    with django_assert_max_num_queries(bound):
        page_of(client, poll)


def test_the_poll_list_stays_bounded_with_many_polls_and_hides_private_ones(
    client_as_member, member, django_assert_max_num_queries
):
    moderator = UserFactory(roles=[roles.MODERATORS])
    secret = make_poll(topic=TopicFactory(category=CategoryFactory(private=True), author=moderator))
    polls = [make_poll() for _ in range(40)]
    for poll in polls[::3]:
        vote_cast(poll=poll, voter=member, selection=ids(poll)[:1])
    url = reverse("polls:poll-list")
    client_as_member.get(url)
    with django_assert_max_num_queries(8):
        first = client_as_member.get(url).content.decode()
    with django_assert_max_num_queries(8):
        second = client_as_member.get(url, {"page": 2}).content.decode()
    assert first.count('<li class="poll-row') == 30
    assert second.count('<li class="poll-row') == 10
    assert f"/polls/{secret.pk}/" not in first + second
