import pytest
import redis
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_healthz_without_redis_configured_checks_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "not configured"},
    }


def test_healthz_reports_a_stopped_redis_as_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a stopped Redis
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")
def test_healthz_with_a_running_redis_is_ok(client):
    redis.Redis.from_url(settings.REDIS_URL).ping()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


def test_healthz_is_reachable_on_a_members_only_community_and_not_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]
