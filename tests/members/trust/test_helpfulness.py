from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import SupportAct, SupportKind, TrustLevel, User
from members.services.trust import helpfulness_recompute
from members.tasks import trust_levels_recompute_task
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _act(giver, receiver, kind, *, days_ago: float = 0, now=None):
    now = now or timezone.now()
    return SupportAct.objects.create(
        giver=giver, receiver=receiver, kind=kind, occurred_at=now - timedelta(days=days_ago)
    )


def _scores(*users) -> list[int]:
    by_pk = dict(User.objects.values_list("pk", "helpful_score"))
    return [by_pk[user.pk] for user in users]


def test_refresh_counts_reactions_and_accepted_answers_received_in_the_last_90_days():
    now = timezone.now()
    ana, bo, cy, dee, eve = (
        UserFactory(username=name) for name in ("ana", "bo", "cy", "dee", "eve")
    )
    # ana: three reactions (one below, from dee) and an accepted answer this month -> 4
    _act(bo, ana, SupportKind.REACTION, days_ago=1, now=now)
    _act(cy, ana, SupportKind.REACTION, days_ago=30, now=now)
    _act(bo, ana, SupportKind.ACCEPTED_ANSWER, days_ago=2, now=now)
    # bo: one reaction inside the window, one just outside it -> 1
    _act(ana, bo, SupportKind.REACTION, days_ago=89, now=now)
    _act(cy, bo, SupportKind.REACTION, days_ago=91, now=now)
    # cy: replied to, recommended and followed: being helped or liked is not helping -> 0
    _act(ana, cy, SupportKind.REPLY, now=now)
    _act(ana, cy, SupportKind.SHOUT_OUT, now=now)
    _act(bo, cy, SupportKind.FOLLOW, now=now)
    # dee: gave help but received none -> 0
    _act(dee, ana, SupportKind.REACTION, days_ago=3, now=now)
    # eve: a stale score from an earlier night, nothing in the window any more -> 0
    User.objects.filter(pk=eve.pk).update(helpful_score=7)
    _act(ana, eve, SupportKind.ACCEPTED_ANSWER, days_ago=100, now=now)

    changed = helpfulness_recompute(now=now)

    assert _scores(ana, bo, cy, dee, eve) == [4, 1, 0, 0, 0]
    assert changed == 3  # ana, bo and eve; the others already held 0


def test_refresh_is_one_statement_whatever_the_number_of_members(django_assert_num_queries):
    givers = UserFactory.create_batch(5)
    for receiver in UserFactory.create_batch(20):
        for giver in givers[:3]:
            _act(giver, receiver, SupportKind.REACTION)

    with django_assert_num_queries(1):
        helpfulness_recompute()

    assert set(
        User.objects.filter(pk__in=[g.pk for g in givers]).values_list("helpful_score", flat=True)
    ) == {0}
    assert helpfulness_recompute() == 0  # converged: a second run writes nothing


def test_the_nightly_trust_job_refreshes_the_scores_too():
    helper, fan = UserFactory.create_batch(2)
    _act(fan, helper, SupportKind.REACTION)

    trust_levels_recompute_task()

    helper.refresh_from_db()
    assert helper.helpful_score == 1
    assert helper.trust_level == TrustLevel.NEW  # and the trust levels as before
