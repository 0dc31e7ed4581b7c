"""Data ownership: a member downloads everything they own, or erases their account.

Export is a registry of exporters. Each takes the member and yields (path in the zip,
content): a stored file (a django File, such as an ImageField's value) is copied into the
zip in chunks, bytes are written as they are, anything else is written as a .json file.
Forums (posts, votes) and the library register theirs with `@data_exporter` from their own
module, imported by their AppConfig.ready(); nothing here changes when they do."""

from __future__ import annotations

import io
import json
import logging
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath
from typing import IO, Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.models import UserObjectPermission

from community.exceptions import ApplicationError
from community.models import EmailPreferences, Notification
from community.notifications import notifications_delete_for_user
from community.ratelimit import RateLimit, rate_limit_hit
from members.access import access_changed
from members.models import (
    VISIBLE_FIELDS,
    Follow,
    GroupInvitation,
    GroupMembershipRequest,
    GroupProfile,
    GroupProfileUserObjectPermission,
    MemberApplication,
    MemberVisit,
    Profile,
    RequestStatus,
    ShoutOut,
    SupportAct,
    TrustLevelChange,
    User,
)
from members.permissions import check_manage_member_data

logger = logging.getLogger(__name__)

# A manager acting on someone else's account needs this global permission.

ExportItem = tuple[str, Any]  # (path in the zip, a File, bytes or JSON-serialisable data)
Exporter = Callable[[User], Iterable[ExportItem]]

DATA_EXPORTERS: list[Exporter] = []


Eraser = Callable[[User], None]

# Apps that copy a member's name onto their own rows (forums' author_name) register a
# function that anonymises those copies; members must not import them (dependencies point
# the other way), so they register from their AppConfig.ready().
DATA_ERASERS: list[Eraser] = []


def data_eraser(func: Eraser) -> Eraser:
    """Register an eraser, called inside member_erase's transaction (idempotent)."""
    if func not in DATA_ERASERS:
        DATA_ERASERS.append(func)
    return func


def data_exporter(func: Exporter) -> Exporter:
    """Register an exporter (idempotent, so a re-imported module does not export twice)."""
    if func not in DATA_EXPORTERS:
        DATA_EXPORTERS.append(func)
    return func


# --- Export -------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _person(user: User) -> dict[str, Any]:
    return {"username": user.username, "name": user.public_name}


@data_exporter
def _export_account(member: User) -> Iterator[ExportItem]:
    emails = EmailAddress.objects.filter(user=member).order_by("-primary", "email")
    yield (
        "account.json",
        {
            "username": member.username,
            "display_name": member.display_name,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "email_addresses": [
                {"email": e.email, "primary": e.primary, "verified": e.verified} for e in emails
            ],
            "date_joined": _iso(member.date_joined),
            "last_login": _iso(member.last_login),
            "last_seen_at": _iso(member.last_seen_at),
            "trust_level": member.get_trust_level_display(),
            "trust_level_history": [
                {
                    "from": change.get_from_level_display(),
                    "to": change.get_to_level_display(),
                    "changed_at": _iso(change.changed_at),
                }
                for change in TrustLevelChange.objects.filter(user=member).order_by(
                    "changed_at", "pk"
                )
            ],
            "approval_status": member.approval_status,
            "is_active": member.is_active,
            "erased_at": _iso(member.erased_at),
            "groups": sorted(member.groups.values_list("name", flat=True)),
            "two_factor_methods": sorted(
                Authenticator.objects.filter(user=member).values_list("type", flat=True)
            ),
        },
    )
    application = MemberApplication.objects.filter(user=member).first()
    if application is not None:
        yield (
            "application.json",
            {
                "company": application.company,
                "headline": application.headline,
                "reason": application.reason,
                "submitted_at": _iso(application.created_at),
                "decided_at": _iso(application.decided_at),
                "decision_note": application.decision_note,
            },
        )
    days = MemberVisit.objects.filter(user=member).order_by("day").values_list("day", flat=True)
    yield "visits.json", [day.isoformat() for day in days]


@data_exporter
def _export_profile(member: User) -> Iterator[ExportItem]:
    # Everything, private fields included: it is the member's own data.
    profile = Profile.objects.filter(user=member).prefetch_related("expertise").first()
    if profile is None:
        return
    yield (
        "profile.json",
        {
            "headline": profile.headline,
            "company": profile.company,
            "location": profile.location,
            "time_zone": str(profile.time_zone) if profile.time_zone else "",
            "bio": profile.bio,
            "website": profile.website,
            "social_links": profile.social_links,
            "expertise": [tag.name for tag in profile.expertise.all()],
            "avatar": PurePosixPath(profile.avatar.name).name if profile.avatar else None,
            "visibility": {
                field: getattr(profile, f"{field}_visibility") for field in VISIBLE_FIELDS
            },
            "updated_at": _iso(profile.updated_at),
        },
    )
    if profile.avatar:
        yield f"files/{PurePosixPath(profile.avatar.name).name}", profile.avatar


@data_exporter
def _export_follows(member: User) -> Iterator[ExportItem]:
    following = Follow.objects.filter(follower=member).select_related("followed")
    followers = Follow.objects.filter(followed=member).select_related("follower")
    yield (
        "follows.json",
        {
            "following": [
                {**_person(f.followed), "since": _iso(f.created_at)}
                for f in following.order_by("created_at")
            ],
            "followers": [
                {**_person(f.follower), "since": _iso(f.created_at)}
                for f in followers.order_by("created_at")
            ],
        },
    )


@data_exporter
def _export_shout_outs(member: User) -> Iterator[ExportItem]:
    given = ShoutOut.objects.filter(author=member).select_related("recipient")
    received = ShoutOut.objects.filter(recipient=member).select_related("author")
    yield (
        "shout_outs_given.json",
        [
            {
                "to": _person(s.recipient),
                "message": s.message,
                "created_at": _iso(s.created_at),
                "hidden": s.hidden_at is not None,
            }
            for s in given.order_by("created_at")
        ],
    )
    yield (
        "shout_outs_received.json",
        [
            {
                "from": _person(s.author),
                "message": s.message,
                "created_at": _iso(s.created_at),
                "hidden": s.hidden_at is not None,
            }
            for s in received.order_by("created_at")
        ],
    )


@data_exporter
def _export_support_acts(member: User) -> Iterator[ExportItem]:
    acts = (
        SupportAct.objects.filter(Q(giver=member) | Q(receiver=member))
        .select_related("giver", "receiver", "target_type")
        .order_by("occurred_at")
    )
    yield (
        "support_acts.json",
        [
            {
                "direction": "given" if act.giver_id == member.pk else "received",
                "with": _person(act.receiver if act.giver_id == member.pk else act.giver),
                "kind": act.kind,
                "about": (
                    {"type": act.target_type.model, "id": act.target_id}
                    if act.target_type_id
                    else None
                ),
                "occurred_at": _iso(act.occurred_at),
            }
            for act in acts
        ],
    )


@data_exporter
def _export_notifications(member: User) -> Iterator[ExportItem]:
    notifications = Notification.objects.filter(recipient=member).order_by("created_at")
    yield (
        "notifications.json",
        [
            {
                "kind": n.kind,
                "text": n.verb,
                "link": n.url,
                "received_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in notifications
        ],
    )


@data_exporter
def _export_groups(member: User) -> Iterator[ExportItem]:
    requests = (
        GroupMembershipRequest.objects.filter(user=member)
        .select_related("group_profile__group")
        .order_by("created_at")
    )
    invitations = (
        GroupInvitation.objects.filter(accepted_by=member)
        .select_related("group_profile__group")
        .order_by("accepted_at")
    )
    yield (
        "groups.json",
        {
            "membership_requests": [
                {
                    "group": r.group_profile.name,
                    "status": r.status,
                    "message": r.message,
                    "requested_at": _iso(r.created_at),
                    "decided_at": _iso(r.decided_at),
                }
                for r in requests
            ],
            "invitations_accepted": [
                {
                    "group": i.group_profile.name,
                    "email": i.email,
                    "accepted_at": _iso(i.accepted_at),
                    "created_account": i.created_account,
                }
                for i in invitations
            ],
        },
    )


# A member's own download: each one reads every table they appear in and copies their files,
# so a script (or an impatient double click) must not be able to run it back to back.
# Community managers exporting someone from the admin are not limited.
DATA_EXPORT_LIMITS = (
    RateLimit(count=3, seconds=60 * 60, description="3 downloads of your data an hour"),
)

# The archive stays in memory up to this size and spills to a temporary file beyond it, so a
# member with years of uploads costs disk, not the web process's memory.
EXPORT_SPOOL_BYTES = 2 * 1024 * 1024
# Files are copied into the zip this much at a time, never read whole.
EXPORT_COPY_CHUNK_BYTES = 256 * 1024


def _archive_write_file(archive: zipfile.ZipFile, name: str, content: File) -> bool:
    """Copy a stored file into the zip in chunks; False (and a warning) when it is missing."""
    try:
        source = content.open("rb")
    except (FileNotFoundError, ValueError):  # gone from storage, or a field with no file
        logger.warning("Export skipped %s: the file is missing from storage", name)
        return False
    with source, archive.open(name, "w") as target:
        shutil.copyfileobj(source, target, EXPORT_COPY_CHUNK_BYTES)
    return True


def _archive_write_json(archive: zipfile.ZipFile, name: str, content: Any) -> None:
    # Encoded straight into the zip entry: no second copy of the text in memory.
    with archive.open(name, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
        json.dump(content, text, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


def member_data_export_file(*, member: User, actor: User | None = None) -> IO[bytes]:
    """A zip of everything `member` owns, as an open temporary file positioned at its start:
    one JSON file per kind of data plus their files under files/. The caller closes it
    (a FileResponse does, once sent); closing deletes it.

    `actor` defaults to the member; anyone else needs the manage-member permission. A
    member exporting their own data is rate limited (DATA_EXPORT_LIMITS: RateLimited)."""
    actor = actor or member
    check_manage_member_data(actor=actor, member=member)
    if actor.pk == member.pk:
        rate_limit_hit(scope="data-export", key=member.pk, limits=DATA_EXPORT_LIMITS)
    root = f"{member.username}-data"
    spooled = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115 - returned open
    try:
        with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            manifest = []
            for exporter in DATA_EXPORTERS:
                for path, content in exporter(member):
                    name = f"{root}/{path}"
                    if isinstance(content, File):
                        if not _archive_write_file(archive, name, content):
                            continue
                    elif isinstance(content, bytes):
                        archive.writestr(name, content)
                    else:
                        _archive_write_json(archive, name, content)
                    manifest.append(path)
            archive.writestr(
                f"{root}/README.txt",
                "Your data, as JSON files (UTF-8) plus your uploaded files under files/.\n"
                f"Exported {timezone.now().isoformat()}.\n\nFiles:\n"
                + "".join(f"- {path}\n" for path in manifest),
            )
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    if actor.pk != member.pk:
        logger.info("Member %s's data exported by %s", member.pk, actor.pk)
    return spooled


def member_data_export(*, member: User, actor: User | None = None) -> bytes:
    """member_data_export_file's archive as bytes, for callers that want it in memory (tests,
    the shell). The download views stream the file instead."""
    with member_data_export_file(member=member, actor=actor) as archive:
        return archive.read()


def member_data_export_bundle(*, members: Iterable[User], actor: User) -> IO[bytes]:
    """One zip holding a zip per member (`<username>.zip`), for a community manager's
    download of several members from the admin. Checks every member before building any
    archive; each member's archive is copied in and closed before the next is built, so at
    most one is open at a time. The caller closes the returned file."""
    members = list(members)
    for member in members:
        check_manage_member_data(actor=actor, member=member)
    bundle = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115 - returned open
    try:
        # Stored, not deflated: the archives inside are compressed already.
        with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_STORED) as outer:
            for member in members:
                with (
                    member_data_export_file(member=member, actor=actor) as archive,
                    outer.open(f"{member.username}.zip", "w") as target,
                ):
                    shutil.copyfileobj(archive, target, EXPORT_COPY_CHUNK_BYTES)
    except BaseException:
        bundle.close()
        raise
    bundle.seek(0)
    return bundle


# --- Erase --------------------------------------------------------------------------------


def _former_username(member: User) -> str:
    username = f"former-member-{member.pk}"
    if User.objects.filter(username__iexact=username).exclude(pk=member.pk).exists():
        # Someone took the handle before; still under the 30-character limit.
        username = f"former-{member.pk}-{uuid.uuid4().hex[:6]}"
    return username


@transaction.atomic
def member_erase(*, member: User, actor: User) -> User:
    """Remove everything personal about `member` and keep what the community built with
    them: their shout-outs (shown as from "Former member"), support acts (metrics history),
    visits, and the user row itself, so content keeps an author.

    The caller proves identity (the view asks the member for their password); this checks
    that `actor` is the member or a community manager. Idempotent: erasing an erased account
    changes nothing. Sessions end because the password hash changes (Django drops a session
    whose hash no longer matches) and the account is inactive. The avatar file is deleted
    after commit, so a rollback never leaves a profile pointing at a missing file."""
    check_manage_member_data(actor=actor, member=member)
    locked = User.objects.select_for_update().get(pk=member.pk)
    if locked.erased_at is not None:
        return locked
    if locked.is_superuser and actor.pk == locked.pk:
        raise ApplicationError(
            "A superuser account can't erase itself here. Ask another administrator to "
            "remove your superuser status first."
        )

    profile = Profile.objects.filter(user=locked).first()
    avatar_name = profile.avatar.name if profile and profile.avatar else ""
    avatar_storage = profile.avatar.storage if profile and profile.avatar else None
    if profile is not None:
        profile.expertise.clear()
        Profile.objects.filter(pk=profile.pk).update(
            headline="",
            company="",
            location="",
            time_zone=None,
            bio="",
            bio_html="",
            website="",
            social_links=[],
            avatar="",
            updated_at=timezone.now(),
        )

    Follow.objects.filter(Q(follower=locked) | Q(followed=locked)).delete()

    # Counters are denormalised on GroupProfile; only groups they were really in go down.
    GroupProfile.objects.filter(group__user=locked, member_count__gt=0).update(
        member_count=F("member_count") - 1
    )
    locked.groups.clear()
    locked.user_permissions.clear()
    GroupProfileUserObjectPermission.objects.filter(user=locked).delete()
    UserObjectPermission.objects.filter(user=locked).delete()
    GroupMembershipRequest.objects.filter(user=locked, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=timezone.now()
    )
    # What they wrote to group managers is theirs; the decision history stays.
    GroupMembershipRequest.objects.filter(user=locked).exclude(message="").update(message="")
    GroupInvitation.objects.filter(accepted_by=locked).update(email="")
    # Invitations never accepted still carry their addresses (and a working link). They are
    # blanked and closed rather than deleted, so the invitations a group sent still count.
    addresses = {locked.email.lower()} | {
        address.lower()
        for address in EmailAddress.objects.filter(user=locked).values_list("email", flat=True)
    }
    addresses.discard("")
    if addresses:
        addressed_to_them = Q()
        for address in addresses:
            addressed_to_them |= Q(email__iexact=address)
        GroupInvitation.objects.filter(addressed_to_them, accepted_at__isnull=True).update(
            email="", revoked_at=Coalesce("revoked_at", Value(timezone.now()))
        )
    # The manager's note on the application is about them too.
    MemberApplication.objects.filter(user=locked).update(
        company="", headline="", reason="", decision_note=""
    )
    # Their own notifications, and the ones they caused: those sentences carry their name.
    notifications_delete_for_user(user_id=locked.pk)
    EmailPreferences.objects.filter(user=locked).delete()
    for eraser in DATA_ERASERS:
        eraser(locked)

    EmailAddress.objects.filter(user=locked).delete()
    Authenticator.objects.filter(user=locked).delete()

    locked.username = _former_username(locked)
    locked.email = ""
    locked.first_name = ""
    locked.last_name = ""
    locked.display_name = ""
    locked.set_unusable_password()
    locked.is_active = False
    locked.is_staff = False
    locked.is_superuser = False
    locked.last_seen_at = None
    locked.erased_at = timezone.now()
    locked.save()
    access_changed(user_ids=[locked.pk])

    # The admin history names the account by its old username; rename it there too.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(locked.pk)
    ).update(object_repr=locked.username)

    if avatar_name and avatar_storage is not None:
        transaction.on_commit(lambda: avatar_storage.delete(avatar_name))

    # The old username is not logged: the log must not undo the erase.
    logger.info(
        "Member %s erased by %s",
        locked.pk,
        "themselves" if actor.pk == locked.pk else f"member {actor.pk}",
    )
    # The caller's instance reflects the erase too (e.g. the view logging the member out).
    member.refresh_from_db()
    return locked


def member_erase_many(*, members: Iterable[User], actor: User) -> tuple[int, list[str]]:
    """Erase several accounts for the admin action, each in its own transaction. Returns how
    many were erased and a message for each one refused."""
    erased, refused = 0, []
    for member in members:
        if member.erased_at is not None:
            continue
        if member.pk == actor.pk:
            refused.append(f"{member.username}: erase your own account from “Your data”.")
            continue
        try:
            member_erase(member=member, actor=actor)
        except (PermissionDenied, ApplicationError) as exc:
            refused.append(f"{member.username}: {exc}")
        else:
            erased += 1
    return erased, refused
