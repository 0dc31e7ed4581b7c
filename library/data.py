"""The library's part of a member's data (members.services.data): the files they uploaded
(every version, as files), their suggestions and the credits, reactions and shares that name
them. Erasing deletes their suggestions and credits (both name them); uploaded files stay in
the library, no longer tied to them, like forum posts."""

from collections.abc import Iterator
from pathlib import PurePosixPath

from library.models import Credit, FileVersion, ResourceReaction, Share, Suggestion
from members.models import User
from members.services.data import ExportItem, data_eraser, data_exporter


def _iso(moment):
    return moment.isoformat() if moment else None


@data_exporter
def export_library(member: User) -> Iterator[ExportItem]:
    versions = FileVersion.objects.filter(uploaded_by=member).select_related("resource")
    versions = list(versions.order_by("created_at"))
    yield (
        "library.json",
        {
            "uploads": [
                {
                    "resource": version.resource.title,
                    "version": version.number,
                    "file_name": version.original_name,
                    "size": version.size,
                    "file_in_export": f"library_files/{PurePosixPath(version.file.name).name}",
                    "uploaded_at": version.created_at.isoformat(),
                }
                for version in versions
            ],
            "suggestions": [
                {
                    "title": s.title,
                    "url": s.url,
                    "description": s.description,
                    "reason": s.reason,
                    "status": s.get_status_display(),
                    "decline_reason": s.decline_reason,
                    "suggested_at": s.created_at.isoformat(),
                    "decided_at": _iso(s.decided_at),
                }
                for s in Suggestion.objects.filter(suggested_by=member).order_by("created_at")
            ],
            "credits": [
                {"resource": c.resource.title, "role": c.get_role_display()}
                for c in Credit.objects.filter(member=member).select_related("resource")
            ],
            "reactions": [
                {"resource_id": r.resource_id, "reaction": r.kind, "at": r.created_at.isoformat()}
                for r in ResourceReaction.objects.filter(user=member).order_by("created_at")
            ],
            "shares": [
                {"resource_id": s.resource_id, "day": s.day.isoformat()}
                for s in Share.objects.filter(user=member).order_by("created_at")
            ],
        },
    )
    # The stored files themselves, copied into the zip in chunks by the export.
    for version in versions:
        yield (f"library_files/{PurePosixPath(version.file.name).name}", version.file)


@data_eraser
def erase_library_data(member: User) -> None:
    Suggestion.objects.filter(suggested_by=member).delete()
    Credit.objects.filter(member=member).delete()
    FileVersion.objects.filter(uploaded_by=member).update(uploaded_by=None)
