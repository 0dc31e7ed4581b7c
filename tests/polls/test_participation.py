"""Participation: voters among the members who could vote, per poll, in SQL; the metrics
window of polls that ended."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from forums.services.categories import category_access_grant
from members import roles
from members.permissions import community_members
from metrics.polls import poll_participation
from polls.models import Poll
from polls.selectors import participation_rate, with_participation
from polls.services import poll_close, vote_cast
from tests.forums.factories import CategoryFactory, TopicFactory
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll

pytestmark = pytest.mark.django_db


def first(poll):
    return list(poll.options.values_list("pk", flat=True))[:1]


def measured(poll) -> Poll:
    return with_participation(Poll.objects.filter(pk=poll.pk)).get()


def test_a_public_poll_counts_every_member_in_good_standing():
    voters = UserFactory.create_batch(3)
    suspended = UserFactory()
    UserFactory(is_active=False)
    poll = make_poll()
    for voter in voters:
        vote_cast(poll=poll, voter=voter, selection=first(poll))
    suspended.suspended_until = timezone.now() + timedelta(days=3)
    suspended.save()
    everyone = community_members().count() - 1  # less the suspended member
    row = measured(poll)
    assert (row.participants, row.eligible) == (3, everyone)
    assert participation_rate(row) == pytest.approx(3 / everyone)


def test_a_private_poll_with_voter_groups_counts_only_those_who_reach_it():
    alice, bob, carol, dave = UserFactory.create_batch(4)
    readers = Group.objects.create(name="Beta readers")
    readers.user_set.add(alice, bob, carol)
    category = CategoryFactory(private=True)
    category_access_grant(category=category, group=readers)
    voters = Group.objects.create(name="Beta voters")
    voters.user_set.add(alice, bob, dave)  # dave cannot see the category
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    poll = make_poll(topic=TopicFactory(category=category, author=manager), voter_groups=[voters])
    vote_cast(poll=poll, voter=alice, selection=first(poll))
    row = measured(poll)
    assert (row.participants, row.eligible) == (1, 2)  # alice of alice and bob
    assert participation_rate(row) == 0.5

    readers.user_set.remove(bob)  # bob no longer reaches the category
    row = measured(poll)
    assert (row.participants, row.eligible) == (1, 1)


def test_members_who_joined_after_the_poll_ended_do_not_count():
    voter = UserFactory()
    poll = make_poll()
    vote_cast(poll=poll, voter=voter, selection=first(poll))
    poll_close(poll=poll, actor=UserFactory(roles=[roles.MODERATORS]))
    before = measured(poll).eligible
    later = UserFactory()
    later.date_joined = timezone.now() + timedelta(minutes=5)
    later.save()
    assert measured(poll).eligible == before


def test_the_metric_takes_the_polls_that_ended_in_the_window_start_included_end_excluded(
    django_assert_max_num_queries,
):
    moderator = UserFactory(roles=[roles.MODERATORS])
    members = UserFactory.create_batch(3)
    ended, still_open, earlier = make_poll(), make_poll(), make_poll()
    for member in members[:2]:
        vote_cast(poll=ended, voter=member, selection=first(ended))
    vote_cast(poll=earlier, voter=members[0], selection=first(earlier))
    for poll in (ended, earlier):
        poll_close(poll=poll, actor=moderator)
    at = timezone.now()
    type(moderator).objects.update(date_joined=at - timedelta(days=2))
    Poll.objects.filter(pk=ended.pk).update(closed_at=at)
    Poll.objects.filter(pk=earlier.pk).update(closed_at=at - timedelta(days=1))
    with django_assert_max_num_queries(1):
        report = poll_participation(start=at, end=at + timedelta(days=1))
    assert [row.poll_id for row in report.polls] == [ended.pk]
    (row,) = report.polls
    assert row.participants == 2
    assert report.mean == pytest.approx(2 / row.eligible)
    both = poll_participation(start=at - timedelta(days=1), end=at + timedelta(seconds=1))
    assert [row.poll_id for row in both.polls] == [earlier.pk, ended.pk]
    assert both.mean == pytest.approx(sum(r.rate for r in both.polls) / 2)
    assert poll_participation(start=at - timedelta(days=1), end=at).polls[0].poll_id == earlier.pk
    assert still_open.pk not in [r.poll_id for r in both.polls]
