"""The switches for running Hearth on several machines (docs/deployment.md, "Beyond one
machine"), each off unless its variable is set: a read replica for the dashboards and the
90-day reports, a queue of their own for reports, media on S3-compatible storage and
PgBouncer in transaction mode.

The settings are read in a fresh process with the deployment's variables; the replica
router is then checked in this one, against the test database's mirror alias ("replica",
community/settings/test.py): reporting reads go there, posting and every write do not."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.db_routers import REPLICA, ReplicaRouter, reporting_db, reporting_reads
from forums.models import Post
from forums.services import limits
from forums.services.topics import topic_create
from members.models import User
from members.roles import EXECUTIVES
from metrics.models import KpiSnapshot
from plans.models import PERIOD_DAYS, PlanReport
from plans.services import report_claim, report_generate
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

DEPLOYMENT = {
    "DJANGO_SETTINGS_MODULE": "community.settings.production",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "community.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://hearth:secret@smtp.example.com:587",
    "DATABASE_URL": "postgres://hearth:secret@db1.internal:5432/hearth",
}
# Variables of the developer's shell that would change what the profile reads.
DROPPED = {
    "DATABASE_REPLICA_URL",
    "DATABASE_POOLER",
    "DATABASE_PREPARE_THRESHOLD",
    "DATABASE_JIT",
    "CELERY_REPORTS_QUEUE",
    "MEDIA_STORAGE",
    "MEDIA_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
DROPPED_PREFIXES = ("AWS_",)

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
from community.celery import app

def queue(name):
    return app.amqp.router.route({}, name)["queue"].name

out = {
    "aliases": sorted(settings.DATABASES),
    "routers": settings.DATABASE_ROUTERS,
    "databases": {
        alias: {
            "HOST": db["HOST"],
            "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
            "DISABLE_SERVER_SIDE_CURSORS": db.get("DISABLE_SERVER_SIDE_CURSORS"),
            "prepare_threshold": db["OPTIONS"].get("prepare_threshold"),
            "options": db["OPTIONS"].get("options", ""),
        }
        for alias, db in settings.DATABASES.items()
    },
    "queues": {
        name: queue(name)
        for name in (
            "metrics.snapshot_yesterday", "plans.report_due", "plans.generate_report",
            "forums.send_post_email", "plans.send_published_report", "forums.flush_views_and_reads",
        )
    },
    "storages": {
        alias: type(storages[alias]).__module__ + "." + type(storages[alias]).__name__
        for alias in ("default", "library")
    },
    "media_url": settings.MEDIA_URL,
    "img_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
}
default, library = storages["default"], storages["library"]
if out["storages"]["default"].endswith("S3Storage"):
    out["s3"] = {
        "bucket": default.bucket_name,
        "endpoint": default.endpoint_url,
        "custom_domain": default.custom_domain,
        "media_querystring_auth": default.querystring_auth,
        "library_bucket": library.bucket_name,
        "library_location": library.location,
        "library_querystring_auth": library.querystring_auth,
        "avatar_url": default.url("avatars/ann.webp"),
    }
    try:
        library.url("files/plan.pdf")
    except ValueError as exc:
        out["s3"]["library_url"] = str(exc)
print(json.dumps(out))
"""


def _settings_with(**variables) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DROPPED and not key.startswith(DROPPED_PREFIXES)
    }
    env.update(DEPLOYMENT)
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Off by default --------------------------------------------------------------------------


def test_without_the_switches_one_database_one_report_queue_and_files_on_disk():
    found = _settings_with()
    assert found["aliases"] == ["default"]
    assert found["routers"] == []
    default = found["databases"]["default"]
    assert default["prepare_threshold"] == 5
    assert "-c jit=off" in default["options"]
    assert not default["DISABLE_SERVER_SIDE_CURSORS"]
    # Everything a `-Q default,email` worker (make run, make worker) consumes.
    assert found["queues"] == {
        "metrics.snapshot_yesterday": "default",
        "plans.report_due": "default",
        "plans.generate_report": "default",
        "forums.send_post_email": "email",
        "plans.send_published_report": "email",
        "forums.flush_views_and_reads": "default",
    }
    assert found["storages"] == {
        "default": "django.core.files.storage.filesystem.FileSystemStorage",
        "library": "library.storage.PrivateFileSystemStorage",
    }
    assert found["media_url"] == "/media/"


# --- Each switch -----------------------------------------------------------------------------


def test_a_replica_url_adds_the_replica_alias_and_its_router():
    found = _settings_with(DATABASE_REPLICA_URL="postgres://hearth:secret@db2.internal/hearth")
    assert found["aliases"] == ["default", "replica"]
    assert found["routers"] == ["community.db_routers.ReplicaRouter"]
    replica = found["databases"]["replica"]
    assert replica["HOST"] == "db2.internal"
    # The same connection settings as the primary's.
    assert {k: v for k, v in replica.items() if k != "HOST"} == {
        k: v for k, v in found["databases"]["default"].items() if k != "HOST"
    }


def test_reports_go_to_their_own_queue_when_one_is_named():
    found = _settings_with(CELERY_REPORTS_QUEUE="reports")
    assert found["queues"] == {
        "metrics.snapshot_yesterday": "reports",
        "plans.report_due": "reports",
        "plans.generate_report": "reports",
        # Sending the published report is mail, whoever made it.
        "forums.send_post_email": "email",
        "plans.send_published_report": "email",
        "forums.flush_views_and_reads": "default",
    }


def test_pgbouncer_turns_off_prepared_statements_server_side_cursors_and_startup_options():
    found = _settings_with(
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URL="postgres://hearth:secret@db2.internal:6432/hearth",
    )
    for alias in ("default", "replica"):
        database = found["databases"][alias]
        assert database["prepare_threshold"] is None
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert "jit" not in database["options"]
        assert database["CONN_MAX_AGE"] == 60
    # PgBouncer 1.21+ with max_prepared_statements keeps them: the threshold can be given.
    found = _settings_with(DATABASE_POOLER="pgbouncer", DATABASE_PREPARE_THRESHOLD="5")
    assert found["databases"]["default"]["prepare_threshold"] == 5


def test_s3_media_are_public_objects_and_library_files_stay_private():
    found = _settings_with(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="acme-community",
        AWS_LIBRARY_BUCKET_NAME="acme-community-library",
        AWS_S3_ENDPOINT_URL="https://minio.internal:9000",
        AWS_S3_CUSTOM_DOMAIN="media.community.example.com",
        AWS_ACCESS_KEY_ID="hearth",
        AWS_SECRET_ACCESS_KEY="not-a-real-secret",
    )
    assert found["storages"] == {
        "default": "storages.backends.s3.S3Storage",
        "library": "library.s3_storage.PrivateS3Storage",
    }
    s3 = found["s3"]
    assert s3["bucket"] == "acme-community"
    assert s3["endpoint"] == "https://minio.internal:9000"
    assert s3["media_querystring_auth"] is False
    # An avatar's address: plain, on the media domain, where MEDIA_URL says uploads are.
    assert s3["avatar_url"] == "https://media.community.example.com/media/avatars/ann.webp"
    assert found["media_url"] == "https://media.community.example.com/media/"
    assert "https://media.community.example.com" in found["img_src"]
    assert s3["library_bucket"] == "acme-community-library"
    assert s3["library_location"] == "library"
    assert s3["library_querystring_auth"] is True
    assert s3["library_url"].startswith("Library files have no public URL")


def test_naming_a_bucket_is_enough_to_put_media_on_s3():
    found = _settings_with(AWS_STORAGE_BUCKET_NAME="acme-community")
    assert found["storages"]["default"] == "storages.backends.s3.S3Storage"
    assert found["media_url"] == "https://acme-community.s3.amazonaws.com/media/"


# --- The replica router, against the test database's mirror ----------------------------------


@pytest.fixture(autouse=True)
def _no_post_spacing(monkeypatch):
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def replica_router(settings):
    settings.DATABASE_ROUTERS = ["community.db_routers.ReplicaRouter"]
    assert reporting_db() == REPLICA


def _tables(queries) -> str:
    return "\n".join(query["sql"] for query in queries)


@pytest.fixture
def story(migration_data):
    """A topic with snapshots of yesterday, an executive, a member who will reply."""
    author = UserFactory(username="ann")
    topic = topic_create(
        category=CategoryFactory(), author=author, title="Gasket sizes", body="Which one?"
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    KpiSnapshot.objects.create(key="members", day=yesterday, window=30, value=4321)
    return {
        "topic": topic,
        "executive": UserFactory(username="evan", roles=[EXECUTIVES]),
        "member": UserFactory(username="bob"),
        "day": yesterday,
    }


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_with_a_replica_the_dashboard_reads_it_and_a_reply_writes_and_reads_the_primary(
    client, story, replica_router
):
    client.force_login(story["executive"])
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get("/dashboard/")
        csv = b"".join(client.get("/dashboard/kpi/members.csv").streaming_content)
    assert response.status_code == 200
    assert "4,321" in response.content.decode()
    assert b"4321" in csv
    assert "metrics_kpisnapshot" in _tables(replica.captured_queries)
    assert "metrics_kpitarget" in _tables(replica.captured_queries)
    # The primary answered the session and the signed-in member, nothing of the dashboard.
    assert "metrics_kpi" not in _tables(primary.captured_queries)

    client.force_login(story["member"])
    topic = story["topic"]
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.post(
            reverse("forums:topic-reply", args=[topic.pk]), {"body": "The 40 mm one."}
        )
        assert response.status_code == 302
        page = client.get(response["Location"].split("#")[0])
    assert "The 40 mm one." in page.content.decode()  # read back at once, from the primary
    assert 'INSERT INTO "forums_post"' in _tables(primary.captured_queries)
    assert replica.captured_queries == []
    assert Post.objects.filter(topic=topic).count() == 2


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_with_a_replica_a_plan_report_reads_it_and_is_saved_on_the_primary(story, replica_router):
    start = story["day"] - timedelta(days=PERIOD_DAYS - 1)
    User.objects.update(date_joined=timezone.now() - timedelta(days=400))
    report_id = report_claim(start=start).report.pk
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        report = report_generate(report_id=report_id)
    assert report.is_complete
    assert PlanReport.objects.get(pk=report_id).pdf.startswith(b"%PDF")
    read_there = _tables(replica.captured_queries)
    assert "metrics_kpisnapshot" in read_there and "forums_post" in read_there
    assert "UPDATE" not in read_there and "INSERT" not in read_there
    assert 'UPDATE "plans_planreport"' in _tables(primary.captured_queries)
    assert "metrics_kpisnapshot" not in _tables(primary.captured_queries)


# Transactional like the others: a test transaction held on both aliases would lock SQLite's
# shared in-memory database against itself.
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_without_the_router_reporting_reads_stay_on_the_primary(client, migration_data):
    executive = UserFactory(roles=[EXECUTIVES])
    client.force_login(executive)
    assert reporting_db() == "default"
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        assert client.get("/dashboard/").status_code == 200
        with reporting_reads():
            assert KpiSnapshot.objects.count() == 0
    assert replica.captured_queries == []


def test_the_router_sends_writes_to_the_primary_even_for_a_row_read_from_the_replica():
    router = ReplicaRouter()
    snapshot = KpiSnapshot()
    snapshot._state.db = REPLICA
    assert router.db_for_write(KpiSnapshot, instance=snapshot) == "default"
    assert router.db_for_read(KpiSnapshot, instance=snapshot) == "default"
    with reporting_reads():
        assert router.db_for_read(KpiSnapshot) == REPLICA
        assert router.db_for_write(KpiSnapshot) == "default"
    assert router.allow_migrate(REPLICA, "metrics") is False
    assert router.allow_migrate("default", "metrics") is True
