import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from polls.models import Ballot, Choice, PollKind, ResultsVisibility
from polls.services import vote_cast
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ids(poll):
    return list(poll.options.values_list("pk", flat=True))


def vote_url(poll):
    return reverse("polls:poll-vote", args=[poll.pk])


def test_voting_without_javascript_posts_and_redirects_to_the_results(client_as_member, member):
    poll = make_poll()
    response = client_as_member.post(vote_url(poll), {"option": ids(poll)[1]})
    assert response.status_code == 302
    assert response["Location"] == poll.get_absolute_url()
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert "Thanks, your vote is in." in page
    assert "1 vote (100.0 %)" in page
    assert "poll-bar--100" in page
    assert Ballot.objects.get().voter == member


def test_voting_with_htmx_swaps_the_box_with_the_results(client_as_member):
    poll = make_poll(results_visibility=ResultsVisibility.AFTER_VOTE)
    before = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert "Results are shown once you have voted." in before
    response = client_as_member.post(
        vote_url(poll), {"option": ids(poll)[0]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="poll-{poll.pk}"' in body
    assert "<html" not in body
    assert "You voted in this poll" in body
    assert "1 vote (100.0 %)" in body
    assert "· 1 vote\n" in body  # the poll's own count includes the vote just cast


def test_the_vote_count_is_right_when_the_results_stay_hidden(client_as_member):
    poll = make_poll(results_visibility=ResultsVisibility.AFTER_CLOSE)
    body = client_as_member.post(
        vote_url(poll), {"option": ids(poll)[0]}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Results are shown when the poll closes." in body
    assert "· 1 vote\n" in body
    assert "1 votes" not in body


def test_bad_input_is_a_form_error_not_a_vote(client_as_member):
    poll = make_poll(kind=PollKind.MULTIPLE, min_choices=2, max_choices=2)
    response = client_as_member.post(vote_url(poll), {"options": [ids(poll)[0]]})
    assert response.status_code == 400
    assert "Choose exactly 2 options." in response.content.decode()
    response = client_as_member.post(vote_url(poll), {"options": ["x\x00"]})
    assert response.status_code == 400
    other = make_poll()
    response = client_as_member.post(vote_url(poll), {"options": [ids(other)[0], ids(poll)[0]]})
    assert response.status_code == 400
    assert not Ballot.objects.exists()


def test_a_ranked_voter_sees_the_rank_they_gave_each_option(client_as_member):
    poll = make_poll(kind=PollKind.RANKED)
    first, second, _ = ids(poll)[:3]
    client_as_member.post(vote_url(poll), {f"rank_{second}": "1", f"rank_{first}": "2"})
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert "(your 1st choice)" in page and "(your 2nd choice)" in page
    assert "(your 3rd choice)" not in page and "(your choice)" not in page


def test_ranked_form_needs_ranks_without_gaps(client_as_member):
    poll = make_poll(kind=PollKind.RANKED)
    red, green, blue = ids(poll)
    response = client_as_member.post(vote_url(poll), {f"rank_{red}": "1", f"rank_{green}": "3"})
    assert response.status_code == 400
    assert "without gaps or repeats" in response.content.decode()
    response = client_as_member.post(vote_url(poll), {f"rank_{blue}": "1", f"rank_{red}": "2"})
    assert response.status_code == 302
    assert dict(Choice.objects.values_list("option_id", "rank")) == {blue: 1, red: 2}


def test_rating_form_stores_each_value(client_as_member):
    poll = make_poll(options=["Docs", "Support"], kind=PollKind.RATING)
    docs, support = ids(poll)
    response = client_as_member.post(
        vote_url(poll), {f"rating_{docs}": "5", f"rating_{support}": "2"}
    )
    assert response.status_code == 302
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert "average 5.0 of 5 from 1 rating" in page


def test_a_double_submit_stores_one_ballot(client_as_member):
    poll = make_poll()
    first = client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    second = client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    assert first.status_code == second.status_code == 302
    assert Ballot.objects.count() == 1
    assert Choice.objects.count() == 1


def test_changing_a_public_vote_through_the_form(client_as_member):
    poll = make_poll()
    red, green, _ = ids(poll)
    client_as_member.post(vote_url(poll), {"option": red})
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert "Change my vote" in page
    client_as_member.post(vote_url(poll), {"option": green, "change": "1"})
    assert list(Choice.objects.values_list("option_id", flat=True)) == [green]


def test_an_anonymous_poll_page_names_no_voter(client_as_member, member):
    member.display_name = "Zelda Quartermaine"
    member.save()
    poll = make_poll(is_anonymous=True)
    client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    manager = client_for(UserFactory(roles=[roles.COMMUNITY_MANAGERS]))
    # The voter's own page names them in the header: look at the poll there.
    own = client_as_member.get(poll.get_absolute_url()).content.decode()
    pages = [
        own[own.index(f'id="poll-{poll.pk}"') :],
        manager.get(poll.get_absolute_url()).content.decode(),
    ]
    for page in pages:
        assert "1 vote (100.0 %)" in page
        assert "Zelda Quartermaine" not in page
        assert f"/members/{member.username}/" not in page
        assert "Anonymous poll" in page
    assert "Change my vote" not in client_as_member.get(poll.get_absolute_url()).content.decode()


def test_a_public_poll_names_its_voters(client_as_member, member):
    poll = make_poll()
    client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    assert member.public_name in client_as_member.get(poll.get_absolute_url()).content.decode()


def test_a_closed_poll_refuses_votes_with_a_clear_message(client_as_member):
    poll = make_poll()
    moderator = client_for(UserFactory(roles=[roles.MODERATORS]))
    assert moderator.post(reverse("polls:poll-close", args=[poll.pk])).status_code == 302
    response = client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    assert response.status_code == 403
    assert "This poll is closed" in response.content.decode()
    assert not Ballot.objects.exists()
    assert client_as_member.post(reverse("polls:poll-reopen", args=[poll.pk])).status_code == 403


def test_get_on_action_endpoints_is_not_allowed(client_as_member):
    poll = make_poll()
    assert client_as_member.get(vote_url(poll)).status_code == 405
    assert client_as_member.get(reverse("polls:poll-close", args=[poll.pk])).status_code == 405


def test_private_and_missing_polls_are_the_same_404(client_as_member):
    moderator = UserFactory(roles=[roles.MODERATORS])
    poll = make_poll(topic=TopicFactory(category=CategoryFactory(private=True), author=moderator))
    assert client_as_member.get(poll.get_absolute_url()).status_code == 404
    assert client_as_member.get(reverse("polls:poll-detail", args=[987654])).status_code == 404
    assert client_as_member.post(vote_url(poll), {"option": ids(poll)[0]}).status_code == 404
    assert poll.question not in client_as_member.get(reverse("polls:poll-list")).content.decode()
    assert Client().get(poll.get_absolute_url()).status_code == 404


def test_leaving_the_group_hides_its_poll_on_the_next_request(member):
    carmen = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    beta = group_create(actor=carmen, name="Beta", slug="beta", join_policy=JoinPolicy.OPEN)
    from forums.services.categories import category_access_grant

    category = CategoryFactory(private=True)
    category_access_grant(category=category, group=beta.group)
    poll = make_poll(topic=TopicFactory(category=category, author=carmen))
    client = client_for(member)
    assert client.get(poll.get_absolute_url()).status_code == 404

    assert client.post(reverse("groups:join", args=[beta.slug])).status_code == 302
    assert client.get(poll.get_absolute_url()).status_code == 200
    assert poll.question in client.get(reverse("polls:poll-list")).content.decode()

    assert client.post(reverse("groups:leave", args=[beta.slug])).status_code == 302
    assert client.get(poll.get_absolute_url()).status_code == 404
    assert poll.question not in client.get(reverse("polls:poll-list")).content.decode()


def test_poll_list_shows_open_polls_first_in_bounded_queries(
    client_as_member, member, django_assert_max_num_queries
):
    closed = make_poll()
    closed.is_closed = True
    closed.save()
    open_poll = make_poll()
    client_as_member.get(reverse("polls:poll-list"))  # warm the reach cache

    with django_assert_max_num_queries(8):
        page = client_as_member.get(reverse("polls:poll-list")).content.decode()
    assert page.index(open_poll.question) < page.index("Closed")
    for _ in range(15):
        extra = make_poll()
        vote_cast(poll=extra, voter=member, selection=ids(extra)[:1])
    with django_assert_max_num_queries(8):
        response = client_as_member.get(reverse("polls:poll-list"))
    assert response.content.decode().count('<li class="poll-row') == 17


def test_poll_create_view_for_the_topic_author(client_as_member, member):
    topic = TopicFactory(author=member)
    url = reverse("polls:poll-create", args=[topic.pk])
    assert client_as_member.get(url).status_code == 200
    response = client_as_member.post(
        url,
        {
            "question": "Ship on Friday?",
            "kind": "single",
            "options": "Yes\nNo",
            "min_choices": "1",
            "results_visibility": "always",
        },
    )
    assert response.status_code == 302
    assert topic.poll.question == "Ship on Friday?"
    again = client_as_member.post(
        url,
        {
            "question": "Again?",
            "kind": "single",
            "options": "a\nb",
            "min_choices": "1",
            "results_visibility": "always",
        },
    )
    assert again.status_code == 200
    assert "already has a poll" in again.content.decode()
    other = TopicFactory()
    assert client_as_member.get(reverse("polls:poll-create", args=[other.pk])).status_code == 403


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_first_votes_store_one_ballot(migration_data):
    member = UserFactory()
    poll = make_poll()
    option = ids(poll)[0]
    barrier = threading.Barrier(2)

    def vote(_):
        client = Client(raise_request_exception=False)
        client.force_login(member)
        barrier.wait(timeout=30)  # both requests reach the view together (or fail, not hang)
        try:
            return client.post(vote_url(poll), {"option": option}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(vote, range(2)))
    assert Ballot.objects.filter(poll=poll, voter=member).count() == 1
    assert Choice.objects.filter(poll=poll).count() == 1
    poll.refresh_from_db()
    assert poll.ballot_count == 1
    assert 500 not in codes
    assert codes == [302, 302]
