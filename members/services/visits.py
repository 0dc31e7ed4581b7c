from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone

from members.models import MemberVisit, User

LAST_SEEN_RESOLUTION_SECONDS = 15 * 60


def member_visit_record(*, user_id: int, now: datetime | None = None) -> bool:
    """Note that the member was active now. Writes at most once a day (the visit row) and
    once per quarter hour (last seen); every other request costs one cache round-trip.
    Returns whether anything was written."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    wrote = False
    # cache.add is atomic (SET NX on Redis): one request per member per day wins the write.
    if cache.add(f"members:visit:{user_id}:{today.isoformat()}", 1, timeout=26 * 60 * 60):
        MemberVisit.objects.bulk_create(
            [MemberVisit(user_id=user_id, day=today)], ignore_conflicts=True
        )
        wrote = True
    if cache.add(f"members:seen:{user_id}", 1, timeout=LAST_SEEN_RESOLUTION_SECONDS):
        User.objects.filter(pk=user_id).update(last_seen_at=now)
        wrote = True
    return wrote
