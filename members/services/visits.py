from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from members.access import member_pages_changed
from members.models import MemberVisit, User

LAST_SEEN_RESOLUTION_SECONDS = 15 * 60
RECORDED_HERE_MAX = 100_000  # members this process remembers recording; then it starts over

# Member id -> when this process last recorded them.
_recorded_here: dict[int, datetime] = {}


def member_visits_forget_recorded_here() -> None:
    """For tests: the next request of every member asks the cache again."""
    _recorded_here.clear()


def member_visit_record(*, user_id: int, now: datetime | None = None) -> bool:
    """Note that the member was active now. Writes at most once a day (the visit row) and
    once per quarter hour (last seen); the cache decides which process writes, and a
    process that has just recorded the member skips even asking it (most pages cost
    nothing). Returns whether anything was written."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    recorded_at = _recorded_here.get(user_id)
    if (
        recorded_at is not None
        and timezone.localdate(recorded_at) == today
        and timedelta(0) <= now - recorded_at < timedelta(seconds=LAST_SEEN_RESOLUTION_SECONDS)
    ):
        return False
    if len(_recorded_here) >= RECORDED_HERE_MAX:
        _recorded_here.clear()
    _recorded_here[user_id] = now
    wrote = False
    # cache.add is atomic (SET NX on Redis): one request per member per day wins the write.
    if cache.add(f"members:visit:{user_id}:{today.isoformat()}", 1, timeout=26 * 60 * 60):
        MemberVisit.objects.bulk_create(
            [MemberVisit(user_id=user_id, day=today)], ignore_conflicts=True
        )
        wrote = True
    if cache.add(f"members:seen:{user_id}", 1, timeout=LAST_SEEN_RESOLUTION_SECONDS):
        User.objects.filter(pk=user_id).update(last_seen_at=now)
        # Their profile's "last seen"; the directory's "most active" order may lag by the
        # directory pages' lifetime (members.page_cache) rather than be redrawn each time.
        member_pages_changed(user_ids=[user_id], directory=False)
        wrote = True
    return wrote
