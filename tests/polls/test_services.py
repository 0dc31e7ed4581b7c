from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members import roles
from polls.models import MAX_BELOW_MIN, MAX_OPTIONS, Ballot, Choice, Option, Poll, PollKind
from polls.services import (
    ALREADY_VOTED,
    ANONYMOUS_FINAL,
    poll_close,
    poll_create,
    poll_reopen,
    vote_cast,
    vote_change,
)
from tests.forums.factories import TopicFactory
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll

pytestmark = pytest.mark.django_db


def ids(poll):
    return list(poll.options.values_list("pk", flat=True))


# --- Creating ---------------------------------------------------------------------------------


def test_poll_create_by_the_topic_author_stores_ordered_options():
    poll = make_poll(options=["  Red ", "Green", "", "Blue"])
    assert [o.text for o in poll.options.all()] == ["Red", "Green", "Blue"]
    assert [o.position for o in poll.options.all()] == [1, 2, 3]


def test_poll_create_by_someone_else_is_denied_but_a_moderator_may():
    topic = TopicFactory()
    with pytest.raises(PermissionDenied):
        poll_create(topic=topic, author=UserFactory(), question="Q", options=["a", "b"])
    moderator = UserFactory(roles=[roles.MODERATORS])
    poll = poll_create(topic=topic, author=moderator, question="Q", options=["a", "b"])
    assert poll.created_by == moderator


def test_poll_create_refuses_a_second_poll_duplicates_and_too_few_options():
    topic = TopicFactory()
    with pytest.raises(ValidationError) as error:
        poll_create(topic=topic, author=topic.author, question="Q", options=["a", "A"])
    assert "Each option must be different." in error.value.messages
    with pytest.raises(ValidationError):
        poll_create(topic=topic, author=topic.author, question="Q", options=["only"])
    make_poll(topic=topic)
    with pytest.raises(ValidationError, match="already has a poll"):
        make_poll(topic=topic)


def test_poll_create_refuses_a_closing_time_in_the_past_and_impossible_limits():
    with pytest.raises(ValidationError) as error:
        make_poll(closes_at=timezone.now() - timedelta(minutes=1))
    assert "closes_at" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        make_poll(kind=PollKind.MULTIPLE, min_choices=1, max_choices=5)
    assert "max_choices" in error.value.error_dict


def test_poll_create_refuses_a_thousand_options_and_stores_nothing():
    topic = TopicFactory()
    with pytest.raises(ValidationError) as error:
        poll_create(
            topic=topic,
            author=topic.author,
            question="Q",
            options=[f"Option {n}" for n in range(1000)],
        )
    assert error.value.message_dict["options"] == [
        f"Give between 2 and {MAX_OPTIONS} options, one per line."
    ]
    assert not Poll.objects.exists()
    assert not Option.objects.exists()


@pytest.mark.parametrize("options", [[], [""], ["   ", "\t", ""]])
def test_poll_create_refuses_a_poll_without_options(options):
    topic = TopicFactory()
    with pytest.raises(ValidationError) as error:
        poll_create(topic=topic, author=topic.author, question="Q", options=options)
    assert error.value.message_dict["options"] == ["Give between 2 and 20 options, one per line."]
    assert not Poll.objects.exists()


@pytest.mark.parametrize("kind", [PollKind.SINGLE, PollKind.MULTIPLE, PollKind.RANKED])
def test_poll_create_needs_two_options_except_for_a_rating_poll(kind):
    topic = TopicFactory()
    with pytest.raises(ValidationError) as error:
        poll_create(
            topic=topic, author=topic.author, question="Q", options=["Only", " "], kind=kind
        )
    assert error.value.message_dict["options"] == ["Give between 2 and 20 options, one per line."]
    assert not Poll.objects.exists()
    with pytest.raises(ValidationError) as error:
        poll_create(
            topic=topic, author=topic.author, question="Q", options=[], kind=PollKind.RATING
        )
    assert error.value.message_dict["options"] == ["Give between 1 and 20 options, one per line."]
    rating = poll_create(
        topic=topic, author=topic.author, question="Q", options=["Venue"], kind=PollKind.RATING
    )
    assert [o.text for o in rating.options.all()] == ["Venue"]


def test_poll_create_refuses_most_choices_below_the_fewest_with_the_forms_message():
    topic = TopicFactory()
    with pytest.raises(ValidationError) as error:
        poll_create(
            topic=topic,
            author=topic.author,
            question="Q",
            options=["a", "b", "c"],
            kind=PollKind.MULTIPLE,
            min_choices=3,
            max_choices=2,
        )
    assert error.value.message_dict == {"max_choices": [MAX_BELOW_MIN]}
    assert MAX_BELOW_MIN == "The most choices can't be fewer than the fewest."
    with pytest.raises(ValidationError) as error:
        poll_create(
            topic=topic,
            author=topic.author,
            question="Q",
            options=["a", "b"],
            kind=PollKind.MULTIPLE,
            min_choices=0,
        )
    assert error.value.message_dict == {"min_choices": ["The fewest choices must be at least 1."]}
    assert not Poll.objects.exists()
    # The model says the same to any other writer, before the database's check would.
    poll = Poll(topic=topic, question="Q", kind=PollKind.MULTIPLE, min_choices=3, max_choices=2)
    with pytest.raises(ValidationError) as error:
        poll.full_clean(exclude=["topic"])
    assert error.value.message_dict == {"max_choices": [MAX_BELOW_MIN]}


def test_poll_create_in_a_topic_the_author_cannot_see_is_denied():
    topic = TopicFactory(category__private=True)
    with pytest.raises(PermissionDenied):
        poll_create(topic=topic, author=topic.author, question="Q", options=["a", "b"])


# --- Voting, per kind --------------------------------------------------------------------------


def test_single_choice_takes_exactly_one_option(member):
    poll = make_poll()
    red, green, _ = ids(poll)
    with pytest.raises(ValidationError, match="exactly one"):
        vote_cast(poll=poll, voter=member, selection=[red, green])
    vote_cast(poll=poll, voter=member, selection=[green])
    assert list(Choice.objects.filter(poll=poll).values_list("option_id", flat=True)) == [green]
    poll.refresh_from_db()
    assert poll.ballot_count == 1


def test_an_option_of_another_poll_is_refused(member):
    poll, other = make_poll(), make_poll()
    with pytest.raises(ValidationError, match="this poll's options"):
        vote_cast(poll=poll, voter=member, selection=[ids(other)[0]])
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("picked", "ok"), [(0, False), (1, False), (2, True), (3, True), (4, False)]
)
def test_multiple_choice_honours_min_and_max(member, picked, ok):
    poll = make_poll(
        options=["a", "b", "c", "d"], kind=PollKind.MULTIPLE, min_choices=2, max_choices=3
    )
    selection = ids(poll)[:picked]
    if ok:
        vote_cast(poll=poll, voter=member, selection=selection)
        assert Choice.objects.filter(poll=poll).count() == picked
    else:
        with pytest.raises(ValidationError):
            vote_cast(poll=poll, voter=member, selection=selection)
        assert not Ballot.objects.exists()


def test_rating_needs_every_option_rated_from_1_to_5(member):
    poll = make_poll(options=["Docs", "Support"], kind=PollKind.RATING)
    docs, support = ids(poll)
    with pytest.raises(ValidationError, match="every option"):
        vote_cast(poll=poll, voter=member, ratings={docs: 4})
    with pytest.raises(ValidationError, match="1 to 5"):
        vote_cast(poll=poll, voter=member, ratings={docs: 6, support: 3})
    with pytest.raises(ValidationError, match="1 to 5"):
        vote_cast(poll=poll, voter=member, ratings={docs: 0, support: 3})
    vote_cast(poll=poll, voter=member, ratings={docs: 5, support: 2})
    assert dict(Choice.objects.values_list("option_id", "value")) == {docs: 5, support: 2}


def test_ranked_takes_a_permutation_of_a_subset(member):
    poll = make_poll(options=["a", "b", "c", "d"], kind=PollKind.RANKED)
    a, b, c, _d = ids(poll)
    with pytest.raises(ValidationError, match="only once"):
        vote_cast(poll=poll, voter=member, selection=[a, b, a])
    vote_cast(poll=poll, voter=member, selection=[c, a])
    assert dict(Choice.objects.values_list("option_id", "rank")) == {c: 1, a: 2}


# --- Once per member, closing -----------------------------------------------------------------


def test_a_second_vote_is_refused_and_stores_nothing(member):
    poll = make_poll()
    vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])
    with pytest.raises(ValidationError) as error:
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[1]])
    assert error.value.messages == [ALREADY_VOTED]
    assert Ballot.objects.count() == 1
    assert Choice.objects.count() == 1
    poll.refresh_from_db()
    assert poll.ballot_count == 1


def test_changing_a_public_vote_replaces_its_choices(member):
    poll = make_poll()
    red, green, _ = ids(poll)
    vote_cast(poll=poll, voter=member, selection=[red])
    vote_change(poll=poll, voter=member, selection=[green])
    assert list(Choice.objects.values_list("option_id", flat=True)) == [green]
    assert Ballot.objects.count() == 1


def test_anonymous_votes_keep_no_link_between_voter_and_choices_and_are_final(member):
    poll = make_poll(is_anonymous=True)
    red = ids(poll)[0]
    vote_cast(poll=poll, voter=member, selection=[red])
    ballot = Ballot.objects.get()
    assert ballot.voter == member
    choice = Choice.objects.get()
    assert choice.ballot_id is None
    assert not {f.name for f in Choice._meta.get_fields()} & {"voter", "created_at", "updated_at"}
    with pytest.raises(ValidationError) as error:
        vote_change(poll=poll, voter=member, selection=[ids(poll)[1]])
    assert error.value.messages == [ANONYMOUS_FINAL]


def test_the_closing_time_is_honoured_without_any_write(member):
    poll = make_poll(closes_at=timezone.now() + timedelta(hours=1))
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    poll.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])


def test_close_and_reopen_are_for_moderators(member):
    poll = make_poll()
    with pytest.raises(PermissionDenied):
        poll_close(poll=poll, actor=poll.topic.author)
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    poll_close(poll=poll, actor=manager)
    with pytest.raises(PermissionDenied, match="closed"):
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])
    poll_reopen(poll=poll, actor=UserFactory(roles=[roles.MODERATORS]))
    vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])


def test_reopening_after_the_closing_time_drops_the_passed_time(member):
    poll = make_poll(closes_at=timezone.now() + timedelta(hours=1))
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    poll.refresh_from_db()
    poll_reopen(poll=poll, actor=UserFactory(roles=[roles.MODERATORS]))
    assert poll.closes_at is None
    vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])


def test_voter_groups_restrict_who_may_vote(member):
    board = Group.objects.create(name="Advisory board")
    poll = make_poll(voter_groups=[board])
    with pytest.raises(PermissionDenied, match="groups"):
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])
    member.groups.add(board)
    vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])


def test_a_suspended_member_cannot_vote(member):
    poll = make_poll()
    member.suspended_until = timezone.now() + timedelta(days=1)
    member.save()
    with pytest.raises(PermissionDenied, match="suspended"):
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])


def test_a_poll_in_a_topic_the_voter_cannot_see_refuses_the_vote(member):
    poll = make_poll(
        topic=TopicFactory(category__private=True, author=UserFactory(roles=[roles.MODERATORS]))
    )
    with pytest.raises(PermissionDenied):
        vote_cast(poll=poll, voter=member, selection=[ids(poll)[0]])
