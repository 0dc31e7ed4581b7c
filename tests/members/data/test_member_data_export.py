import io
import json
import os
import tracemalloc
import zipfile
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.base import ContentFile

from community.ratelimit import RateLimited
from members import roles
from members.models import Profile, TrustLevel
from members.services import data as data_services
from members.services.data import member_data_export
from members.services.trust import trust_level_change_record
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def _open(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert zf.testzip() is None
        return {name.split("/", 1)[1]: zf.read(name) for name in zf.namelist()}


def _json(files, name):
    return json.loads(files[name])


def test_export_holds_the_whole_profile_including_private_fields_and_visibility(rich_member):
    files = _open(member_data_export(member=rich_member))

    profile = _json(files, "profile.json")
    assert profile["company"] == "Casa Azul"  # "only me": still theirs to download
    assert profile["visibility"]["company"] == "private"
    assert profile["visibility"]["bio"] == "public"
    assert profile["headline"] == "Painter"
    assert profile["location"] == "Coyoacán"
    assert profile["time_zone"] == "America/Mexico_City"
    assert profile["bio"] == "I paint *myself*."
    assert profile["website"] == "https://example.org/frida"
    assert profile["social_links"] == [{"label": "Site", "url": "https://example.org"}]
    assert profile["expertise"] == ["Painting"]


def test_export_includes_the_avatar_file_byte_for_byte(rich_member):
    files = _open(member_data_export(member=rich_member))
    avatar = Profile.objects.get(user=rich_member).avatar
    name = _json(files, "profile.json")["avatar"]

    with avatar.open("rb") as stored:
        assert files[f"files/{name}"] == stored.read()


def test_export_holds_account_emails_trust_level_and_groups(rich_member):
    account = _json(_open(member_data_export(member=rich_member)), "account.json")

    assert account["username"] == "frida"
    assert account["display_name"] == "Frida Kahlo"
    assert account["email_addresses"] == [
        {"email": "frida@example.org", "primary": True, "verified": True}
    ]
    assert account["trust_level"] == "New"
    assert account["date_joined"]
    assert account["groups"] == ["Beta Program", "Members"]
    assert account["two_factor_methods"] == ["totp"]


def test_export_holds_the_trust_level_history(rich_member):
    rich_member.trust_level = TrustLevel.LEADER
    rich_member.save()
    trust_level_change_record(user=rich_member, from_level=TrustLevel.NEW, actor=None)

    account = _json(_open(member_data_export(member=rich_member)), "account.json")

    assert account["trust_level"] == "Leader"
    assert [(c["from"], c["to"]) for c in account["trust_level_history"]] == [("New", "Leader")]
    assert account["trust_level_history"][0]["changed_at"]


def test_export_holds_follows_shout_outs_support_acts_and_group_history(rich_member):
    files = _open(member_data_export(member=rich_member))

    follows = _json(files, "follows.json")
    assert [p["username"] for p in follows["following"]] == ["diego"]
    assert [p["username"] for p in follows["followers"]] == ["fan"]
    given = _json(files, "shout_outs_given.json")
    assert [(s["to"]["username"], s["message"]) for s in given] == [("diego", "Diego builds walls")]
    received = _json(files, "shout_outs_received.json")
    assert [(s["from"]["username"], s["message"]) for s in received] == [("fan", "Frida inspires")]
    acts = _json(files, "support_acts.json")
    assert sorted((a["direction"], a["with"]["username"], a["kind"]) for a in acts) == [
        ("given", "diego", "shout_out"),
        ("received", "fan", "shout_out"),
    ]
    groups = _json(files, "groups.json")
    assert [(r["group"], r["status"], r["message"]) for r in groups["membership_requests"]] == [
        ("Advisory Board", "pending", "Let me in")
    ]
    assert [i["group"] for i in groups["invitations_accepted"]] == ["Beta Program"]
    assert _json(files, "application.json")["reason"] == "To meet painters"
    assert "README.txt" in files


def test_export_of_a_bare_new_member_still_works(member):
    files = _open(member_data_export(member=member))

    assert "account.json" in files
    assert "profile.json" not in files  # no profile row yet
    assert _json(files, "follows.json") == {"following": [], "followers": []}


def test_exporters_are_a_registry_that_later_apps_extend(member, monkeypatch):
    monkeypatch.setattr(data_services, "DATA_EXPORTERS", list(data_services.DATA_EXPORTERS))

    @data_services.data_exporter
    def forum_posts(user):
        yield "forum_posts.json", [{"title": "Hello", "author": user.username}]

    data_services.data_exporter(forum_posts)  # registering twice exports once
    files = _open(member_data_export(member=member))

    assert _json(files, "forum_posts.json") == [{"title": "Hello", "author": member.username}]
    assert files["README.txt"].decode().count("forum_posts.json") == 1


def test_another_member_cannot_export_someone_elses_data(rich_member, member):
    with pytest.raises(PermissionDenied):
        member_data_export(member=rich_member, actor=member)


def test_a_community_manager_can_export_a_members_data(rich_member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])

    files = _open(member_data_export(member=rich_member, actor=manager))

    assert _json(files, "profile.json")["company"] == "Casa Azul"


def test_a_manager_cannot_export_a_superusers_data(member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    root = UserFactory(is_superuser=True, is_staff=True)

    with pytest.raises(PermissionDenied):
        member_data_export(member=root, actor=manager)


def test_export_holds_the_members_notifications_and_nobody_elses(rich_member):
    from community.notifications import notification_create

    other = UserFactory(username="zelda")
    notification_create(recipient=rich_member, kind="shout_out", verb="Diego cheered", url="/")
    notification_create(recipient=other, kind="shout_out", verb="Not Frida's", url="/")

    notifications = _json(_open(member_data_export(member=rich_member)), "notifications.json")

    assert [n["text"] for n in notifications] == ["Diego cheered"]


# --- Large files, and how often -------------------------------------------------------------


class _ReadRecorder(io.BytesIO):
    """A stored file that remembers how much each read asked for."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size=-1):
        self.reads.append(size)
        return super().read(size)


def test_files_are_copied_into_the_export_in_chunks_never_read_whole(member, monkeypatch):
    monkeypatch.setattr(data_services, "DATA_EXPORTERS", list(data_services.DATA_EXPORTERS))
    recording = _ReadRecorder(os.urandom(3 * data_services.EXPORT_COPY_CHUNK_BYTES + 5))
    expected = recording.getvalue()

    @data_services.data_exporter
    def library_files(user):
        yield "library/handbook.pdf", File(recording, name="handbook.pdf")

    files = _open(member_data_export(member=member))

    assert files["library/handbook.pdf"] == expected
    assert recording.reads and all(
        0 < size <= data_services.EXPORT_COPY_CHUNK_BYTES for size in recording.reads
    )
    assert "- library/handbook.pdf" in files["README.txt"].decode()


def test_a_large_avatar_is_exported_without_holding_it_in_memory(member):
    photo = os.urandom(16 * 1024 * 1024)
    profile = Profile.objects.create(user=member)
    profile.avatar.save("portrait.png", ContentFile(photo))
    name = f"{member.username}-data/files/{PurePosixPath(profile.avatar.name).name}"

    tracemalloc.start()
    try:
        archive = data_services.member_data_export_file(member=member)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # The old in-memory export held the file, then the whole zip: at least twice its size.
    assert peak < 8 * 1024 * 1024
    with archive, zipfile.ZipFile(archive) as zf:
        assert zf.read(name) == photo


def test_a_file_missing_from_storage_is_left_out_and_the_rest_exported(member, caplog):
    profile = Profile.objects.create(user=member, headline="Still here")
    profile.avatar.save("gone.png", ContentFile(b"png"))
    profile.avatar.storage.delete(profile.avatar.name)

    files = _open(member_data_export(member=member))

    assert not [name for name in files if name.startswith("files/")]
    assert _json(files, "profile.json")["headline"] == "Still here"
    assert "missing from storage" in caplog.text


def test_a_member_may_export_3_times_an_hour_then_is_told_when_to_retry(member):
    for _ in range(3):
        member_data_export(member=member)

    with pytest.raises(RateLimited, match="3 downloads of your data an hour") as refused:
        member_data_export(member=member)
    assert 3500 < refused.value.retry_after <= 3600


def test_a_community_manager_exporting_others_is_not_rate_limited(rich_member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])

    for _ in range(5):
        assert _open(member_data_export(member=rich_member, actor=manager))["profile.json"]
