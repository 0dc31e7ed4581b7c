"""Targets and API tokens in the admin, as a community manager uses them."""

import pytest

from members.roles import COMMUNITY_MANAGERS, EXECUTIVES
from metrics.models import ApiToken, KpiTarget
from tests.members.factories import UserFactory
from tests.metrics.helpers import parse

pytestmark = pytest.mark.django_db

TARGETS = "/admin/metrics/kpitarget/"
TOKENS = "/admin/metrics/apitoken/"


@pytest.fixture
def carmen(client):
    manager = UserFactory(username="carmen", roles=[COMMUNITY_MANAGERS])
    client.force_login(manager)
    return manager


def _target_form(**overrides):
    return {
        "key": "members",
        "business_goal": "Reduce support cost",
        "value": "500",
        "window": "30",
        "owner": "",
        "starts_on": "",
        "ends_on": "",
        **overrides,
    }


def test_a_manager_sets_a_target_for_a_registered_kpi(client, carmen):
    page = parse(client.get(TARGETS + "add/").content)
    options = [o.get("value") for o in page.cssselect("select#id_key option")]
    assert "members" in options and "new_members" in options
    response = client.post(TARGETS + "add/", _target_form(owner=str(carmen.pk)))
    assert response.status_code == 302
    target = KpiTarget.objects.get()
    assert (target.key, target.value, target.window, target.owner) == ("members", 500, 30, carmen)
    assert "Members" in client.get(TARGETS).content.decode()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"value": "lots"}, "Enter the target as a number, e.g. 0.8 or 120."),
        ({"key": "made_up"}, "Select a valid choice. made_up is not one of the available"),
        (
            {"starts_on": "2026-03-01", "ends_on": "2026-02-01"},
            "The end date is before the start date.",
        ),
        ({"window": "14"}, "Select a valid choice. 14 is not one of the available choices."),
    ],
)
def test_bad_targets_get_a_clear_form_error_and_nothing_is_stored(
    client, carmen, overrides, message
):
    response = client.post(TARGETS + "add/", _target_form(**overrides))
    assert response.status_code == 200
    errors = " ".join(e.text_content() for e in parse(response.content).cssselect(".errorlist"))
    assert message in errors
    assert not KpiTarget.objects.exists()


def test_a_new_token_shows_its_key_once_and_stores_only_a_hash(client, carmen):
    evan = UserFactory(username="evan", roles=[EXECUTIVES])
    response = client.post(TOKENS + "add/", {"owner": str(evan.pk), "name": "BI nightly"})
    assert response.status_code == 200
    key = parse(response.content).cssselect("input#api-key")[0].get("value")
    token = ApiToken.objects.get()
    assert key.startswith(token.prefix) and key != token.key_hash and token.owner == evan
    # The key reaches the API, and appears nowhere afterwards.
    assert client.get("/dashboard/api/kpis", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert key not in client.get(TOKENS).content.decode()
    assert key not in client.get(f"{TOKENS}{token.pk}/change/").content.decode()


def test_a_token_for_someone_who_cannot_read_the_dashboard_is_refused(client, carmen):
    maya = UserFactory(username="maya")
    response = client.post(TOKENS + "add/", {"owner": str(maya.pk), "name": "Nope"})
    assert response.status_code == 200
    assert "This person cannot read the dashboard" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_a_token_keeps_it_listed_and_stops_it(client, carmen):
    from metrics.tokens import api_token_create

    token, key = api_token_create(owner=carmen, name="Old")
    response = client.post(
        TOKENS, {"action": "revoke", "_selected_action": [str(token.pk)]}, follow=True
    )
    assert "1 token(s) revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/dashboard/api/kpis", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403
    assert client.post(f"{TOKENS}{token.pk}/delete/").status_code == 403  # revoked, not deleted
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_executives_do_not_reach_the_targets_admin(client):
    client.force_login(UserFactory(roles=[EXECUTIVES]))
    assert client.get(TARGETS).status_code in (302, 403)
