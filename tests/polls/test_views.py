import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members import roles
from members.models import JoinPolicy
from members.services.groups import group_create
from polls.models import Ballot, Choice, Poll, PollKind, ResultsVisibility
from polls.services import poll_close, vote_cast
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
    now = timezone.now()
    moderator = UserFactory(roles=[roles.MODERATORS])
    # Made in an order that matches neither the expected one nor its reverse.
    closed_by_hand = make_poll(question="Poll closed by hand just now?")
    open_soon = make_poll(question="Poll closing tomorrow?", closes_at=now + timedelta(days=1))
    ended_long_ago = make_poll(question="Poll that ended three days ago?")
    open_forever = make_poll(question="Poll with no closing time?")
    ended_yesterday = make_poll(question="Poll that ended yesterday?")
    open_later = make_poll(question="Poll closing next week?", closes_at=now + timedelta(days=7))
    Poll.objects.filter(pk=ended_long_ago.pk).update(closes_at=now - timedelta(days=3))
    Poll.objects.filter(pk=ended_yesterday.pk).update(closes_at=now - timedelta(days=1))
    poll_close(poll=closed_by_hand, actor=moderator)
    client_as_member.get(reverse("polls:poll-list"))  # warm the reach cache

    with django_assert_max_num_queries(8):
        page = client_as_member.get(reverse("polls:poll-list")).content.decode()
    expected = [
        open_soon,
        open_later,
        open_forever,
        closed_by_hand,
        ended_yesterday,
        ended_long_ago,
    ]
    positions = [page.index(poll.question) for poll in expected]
    assert positions == sorted(positions), [p.question for p in expected]
    assert page.index(open_forever.question) < page.index("Closed")

    for _ in range(15):
        extra = make_poll()
        vote_cast(poll=extra, voter=member, selection=ids(extra)[:1])
    with django_assert_max_num_queries(8):
        response = client_as_member.get(reverse("polls:poll-list"))
    assert response.content.decode().count('<li class="poll-row') == 21


def test_the_instant_runoff_rounds_are_on_the_poll_page(client_as_member):
    poll = make_poll(kind=PollKind.RANKED)
    red, green, blue = ids(poll)
    # Round 1: Red 2, Green 1, Blue 2, no majority: Green goes out and its ballot moves on
    # to Red, which wins round 2 with 3 of 5.
    for ranking in ([red, green], [red], [green, red], [blue, green], [blue, green]):
        vote_cast(poll=poll, voter=UserFactory(), selection=ranking)
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    rounds = page[page.index('aria-label="Instant-runoff rounds"') :]
    assert "Winner: Red</strong> after 2 rounds of instant runoff." in page
    assert rounds.index("Round 1") < rounds.index("Eliminated: Green") < rounds.index("Round 2")
    assert rounds.count("Eliminated:") == 1
    second = rounds[rounds.index("Round 2") :]
    assert "Red</span>" in second and "3 (60.0 %)" in second
    assert "Green</span>" not in second


def test_a_member_outside_the_voter_groups_gets_no_form_and_a_refused_post(
    client_as_member, member
):
    board = Group.objects.create(name="Advisory board")
    poll = make_poll(voter_groups=[board])
    refusal = "Only members of the groups this poll is for can vote in it."

    for url in (poll.get_absolute_url(), poll.topic.get_absolute_url()):
        page = client_as_member.get(url).content.decode()
        assert poll.question in page
        assert refusal in page
        assert vote_url(poll) not in page
        assert 'name="option"' not in page

    response = client_as_member.post(vote_url(poll), {"option": ids(poll)[0]})
    assert response.status_code == 403
    assert refusal in response.content.decode()
    assert not Ballot.objects.exists()
    assert not Choice.objects.exists()

    member.groups.add(board)
    page = client_as_member.get(poll.get_absolute_url()).content.decode()
    assert refusal not in page
    assert 'name="option"' in page


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


# --- The poll creation form's refusals: a clear message, nothing stored ----------------------


def create_form(**overrides) -> dict:
    data = {
        "question": "Which colour?",
        "kind": "single",
        "options": "Red\nGreen",
        "min_choices": "1",
        "max_choices": "",
        "results_visibility": "always",
    }
    data.update(overrides)
    return data


def refused_create(client, topic, **overrides) -> str:
    response = client.post(reverse("polls:poll-create", args=[topic.pk]), create_form(**overrides))
    assert response.status_code == 200
    assert not Poll.objects.exists()
    return response.content.decode()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # A thousand options: too long to be twenty options, refused before it is split.
        (
            "\n".join(f"Option {n}" for n in range(1, 1001)),
            "Give at most 20 options, one per line, each at most 200 characters long.",
        ),
        # A thousand short ones fit in the length: the count refuses them.
        ("\n".join(str(n) for n in range(1, 1001)), "Give between 2 and 20 options"),
        ("\n".join(f"Option {n}" for n in range(1, 22)), "Give between 2 and 20 options"),
    ],
)
def test_the_form_refuses_more_options_than_a_poll_takes(
    client_as_member, member, options, message
):
    topic = TopicFactory(author=member)
    assert message in refused_create(client_as_member, topic, options=options)


@pytest.mark.parametrize("options", ["", "   ", "\n\n", " \n\t\n  "])
def test_the_form_refuses_a_poll_without_options(client_as_member, member, options):
    topic = TopicFactory(author=member)
    page = refused_create(client_as_member, topic, options=options)
    assert "Give between 2 and 20 options, one per line." in page


@pytest.mark.parametrize("kind", ["single", "multiple", "ranked"])
def test_the_form_refuses_a_single_option_except_for_rating(client_as_member, member, kind):
    topic = TopicFactory(author=member)
    page = refused_create(client_as_member, topic, kind=kind, options="Only one\n\n  ")
    assert "Give between 2 and 20 options, one per line." in page

    response = client_as_member.post(
        reverse("polls:poll-create", args=[topic.pk]),
        create_form(kind="rating", options="The venue\n"),
    )
    assert response.status_code == 302
    assert [o.text for o in topic.poll.options.all()] == ["The venue"]


def test_the_form_refuses_most_choices_below_the_fewest(client_as_member, member):
    topic = TopicFactory(author=member)
    page = refused_create(
        client_as_member,
        topic,
        kind="multiple",
        options="Red\nGreen\nBlue",
        min_choices="3",
        max_choices="2",
    )
    assert "The most choices can&#x27;t be fewer than the fewest." in page
