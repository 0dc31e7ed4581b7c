"""The KPI API: session or Bearer token, executives and managers only; 403 with nothing else
for anyone else, 400 with the reason for bad input; tokens stored as hashes, revocable,
stamped when used."""

import hashlib
from datetime import timedelta

import pytest

from community.models import SiteBranding
from community.services import branding_update
from members.roles import COMMUNITY_MANAGERS, EXECUTIVES
from members.services import member_roles_set
from metrics.models import ApiToken, KpiTarget
from metrics.tokens import api_token_create, api_token_revoke
from tests.members.factories import UserFactory
from tests.metrics.helpers import DAY, snap

pytestmark = pytest.mark.django_db

API = "/dashboard/api/kpis"


@pytest.fixture
def evan():
    return UserFactory(username="evan", roles=[EXECUTIVES])


@pytest.fixture
def history():
    snap("members", DAY - timedelta(days=1), 10, numerator=10)
    snap("members", DAY, 12)
    snap("members", DAY, 11, window=90)
    snap("new_members", DAY, None)
    KpiTarget.objects.create(key="members", business_goal="Grow", value=20, window=30)


def test_a_signed_in_executive_reads_values_with_their_targets(client, evan, history):
    client.force_login(evan)
    response = client.get(API, {"from": "2026-03-30", "to": "2026-03-31", "keys": "members"})
    assert response.status_code == 200
    payload = response.json()
    assert payload["from"] == "2026-03-30" and payload["window"] == 30
    [members] = payload["kpis"]
    assert members["key"] == "members" and members["unit"] == "count"
    assert members["target"] == {
        "value": 20.0,
        "business_goal": "Grow",
        "starts_on": None,
        "ends_on": None,
    }
    assert members["values"] == [
        {"day": "2026-03-30", "value": 10.0, "numerator": 10.0, "denominator": None},
        {"day": "2026-03-31", "value": 12.0, "numerator": None, "denominator": None},
    ]
    every = client.get(API, {"from": "2026-03-31", "to": "2026-03-31", "window": "90"}).json()
    by_key = {row["key"]: row["values"] for row in every["kpis"]}
    assert by_key["members"] == [
        {"day": "2026-03-31", "value": 11.0, "numerator": None, "denominator": None}
    ]
    assert by_key["new_members"] == []  # its only row is of the 30-day window


def test_a_bearer_token_reads_the_api_on_a_members_only_community(
    client, evan, history, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), members_only=True)
    _, key = api_token_create(owner=evan, name="BI")
    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.prefix} and key.startswith(stored.prefix)
    assert stored.last_used_at is None

    response = client.get(
        API,
        {"from": "2026-03-31", "to": "2026-03-31", "keys": "new_members"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    assert response.json()["kpis"][0]["values"][0]["value"] is None  # undefined stays null
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer hearth_wrong", "Basic abc", "Bearer ", "hearth_x"],
)
def test_a_wrong_token_is_refused_with_nothing_else(client, history, header):
    response = client.get(API, {"from": "2026-03-31"}, HTTP_AUTHORIZATION=header)
    assert response.status_code == 403
    assert response.json() == {"error": "Not allowed."}


def test_revoked_tokens_and_tokens_of_people_who_lost_the_role_stop_working(
    client, evan, history, django_capture_on_commit_callbacks
):
    token, key = api_token_create(owner=evan, name="BI")
    header = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(API, **header).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        member_roles_set(user=evan, role_names=["Members"])
    assert client.get(API, **header).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        member_roles_set(user=evan, role_names=["Members", EXECUTIVES])
    assert client.get(API, **header).status_code == 200
    api_token_revoke(token=token)
    assert client.get(API, **header).status_code == 403


def test_members_and_visitors_get_403_and_no_data(client, history):
    response = client.get(API)
    assert response.status_code == 403 and response.json() == {"error": "Not allowed."}
    client.force_login(UserFactory())
    response = client.get(API, {"keys": "nope", "from": "bad"})
    assert response.status_code == 403 and response.json() == {"error": "Not allowed."}
    client.force_login(UserFactory(roles=[COMMUNITY_MANAGERS]))
    assert client.get(API).status_code == 200


@pytest.mark.parametrize(
    "query, message",
    [
        ({"from": "2026-02-30"}, "“from” takes a date as YYYY-MM-DD."),
        ({"from": "yesterday"}, "“from” takes a date as YYYY-MM-DD."),
        ({"to": "31/03/2026"}, "“to” takes a date as YYYY-MM-DD."),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "“to” (2026-03-01) is before “from”"),
        ({"from": "2020-01-01", "to": "2026-03-31"}, "At most 1098 days at a time"),
        ({"from": "1926-01-01", "to": "2026-01-01"}, "At most 1098 days at a time"),
        ({"keys": "members,nope,<b>"}, "Unknown KPI keys: nope, <b>."),
        ({"window": "14"}, "“window” is one of 7, 30, 90."),
        ({"window": "thirty"}, "“window” is one of 7, 30, 90."),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client, evan, history, query, message):
    client.force_login(evan)
    response = client.get(API, query)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_without_dates_the_api_gives_the_90_days_to_the_latest_snapshot(client, evan, history):
    client.force_login(evan)
    payload = client.get(API, {"keys": "members"}).json()
    assert (payload["from"], payload["to"]) == ("2026-01-01", "2026-03-31")  # 90 days
    assert len(payload["kpis"][0]["values"]) == 2
