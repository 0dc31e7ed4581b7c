from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import MemberVisit, User
from members.services.visits import member_visit_record

pytestmark = pytest.mark.django_db


def test_a_member_is_recorded_active_once_a_day_however_many_pages_they_open(
    client_as_member, member
):
    client_as_member.get("/")
    assert MemberVisit.objects.filter(user=member).count() == 1
    assert User.objects.get(pk=member.pk).last_seen_at is not None

    # Later requests the same day write nothing.
    with CaptureQueriesContext(connection) as queries:
        client_as_member.get("/")
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert writes == []
    assert MemberVisit.objects.filter(user=member).count() == 1


def test_visits_on_different_days_are_separate_rows(member):
    now = timezone.now()
    assert member_visit_record(user_id=member.pk, now=now)
    assert not member_visit_record(user_id=member.pk, now=now)
    assert member_visit_record(user_id=member.pk, now=now + timedelta(days=1))
    assert MemberVisit.objects.filter(user=member).count() == 2


def test_visitors_leave_no_trace(client):
    client.get("/")
    assert not MemberVisit.objects.exists()
