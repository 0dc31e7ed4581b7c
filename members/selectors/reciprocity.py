"""Reads for "give to get": shout-outs on a profile, the per-member support ledger, the
"people who supported you lately" panel and the community reciprocity rate.

Everything here reads SupportAct rows, whatever service recorded them. Forum reactions,
replies, accepted answers and library shares arrive as new rows (and, for a brand-new kind,
a new SupportKind member): the per-kind counts are built from SupportKind, so no query here
changes when another app starts recording support."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from community.per_request import cache_get_many_prefetched
from members.models import Follow, ShoutOut, SupportAct, SupportKind, User
from members.permissions import is_community_member

PROFILE_SHOUT_OUT_LIMIT = 10
LEDGER_DAYS = 90


# --- Shout-outs on a profile --------------------------------------------------------------


@dataclass(frozen=True)
class ShoutOutList:
    """The newest shout-outs of a profile plus how many there are in all. Iterates like the
    list it wraps, so templates can loop over it directly."""

    items: list[ShoutOut]
    total: int
    can_give: bool = False  # the viewer may give this member a shout-out

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def shout_outs_visible() -> QuerySet[ShoutOut]:
    """Shout-outs anyone who can see the profile may read. Hidden ones (moderation) are left
    out; so are those of deactivated (banned) authors. An erased author's shout-outs stay,
    shown as from "Former member": the recommendation was given and is not theirs alone."""
    return ShoutOut.objects.filter(hidden_at__isnull=True).filter(
        Q(author__is_active=True) | Q(author__erased_at__isnull=False)
    )


def shout_outs_for_profile(
    *, profile_user, viewer, limit: int = PROFILE_SHOUT_OUT_LIMIT
) -> ShoutOutList:
    """The shout-outs shown on `profile_user`'s profile, newest first: two queries."""
    received = shout_outs_visible().filter(recipient_id=profile_user.pk)
    items = list(received.select_related("author").order_by("-created_at", "-pk")[:limit])
    total = len(items) if len(items) < limit else received.count()
    can_give = (
        is_community_member(viewer)
        and viewer.pk != profile_user.pk
        and is_community_member(profile_user)
    )
    return ShoutOutList(items=items, total=total, can_give=can_give)


# --- The support ledger ------------------------------------------------------------------


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class LedgerRow:
    """One person who supported the member within the window."""

    person: User
    total: int
    kinds: list[KindCount]
    first_at: datetime
    last_at: datetime
    # The member gave this person support within the window, after their first support.
    returned: bool
    # How many acts of support the member gave this person within the window.
    given: int = 0
    is_following: bool = False

    @property
    def counts(self) -> dict[str, int]:
        return {item.kind: item.count for item in self.kinds}


def _kind_key(kind: str) -> str:
    return f"kind_{kind}"


def _window(days: int, now: datetime | None) -> tuple[datetime, datetime]:
    end = now or timezone.now()
    return end - timedelta(days=days), end


def _received_grouped(*, member: User, start: datetime, end: datetime) -> QuerySet:
    """One row per person who supported `member` in [start, end]: counts per kind, first and
    last time, whether `member` gave back after that first support, and whether `member`
    already follows them. A single grouped query; the correlated subqueries depend only on
    the grouped giver column."""
    window = Q(occurred_at__gte=start, occurred_at__lte=end)
    received = SupportAct.objects.filter(window, receiver_id=member.pk).filter(
        # People who can no longer be thanked (erased, deactivated) are not listed.
        giver__is_active=True,
        giver__erased_at__isnull=True,
    )
    # The first time this giver supported the member within the window.
    first_support = (
        SupportAct.objects.filter(window, giver_id=OuterRef(OuterRef("giver_id")))
        .filter(receiver_id=member.pk)
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    returned = SupportAct.objects.filter(
        window,
        giver_id=member.pk,
        receiver_id=OuterRef("giver_id"),
        occurred_at__gte=Subquery(first_support),
    )
    per_kind = {_kind_key(kind): Count("pk", filter=Q(kind=kind)) for kind in SupportKind.values}
    return (
        received.values("giver_id")
        .annotate(
            total=Count("pk"),
            first_at=Min("occurred_at"),
            last_at=Max("occurred_at"),
            **per_kind,
        )
        .annotate(
            returned=Exists(returned),
            is_following=Exists(
                Follow.objects.filter(follower_id=member.pk, followed_id=OuterRef("giver_id"))
            ),
        )
    )


def _rows_from(
    grouped: list[dict], *, member: User, start: datetime, end: datetime, with_given: bool
) -> list[LedgerRow]:
    giver_ids = [row["giver_id"] for row in grouped]
    if not giver_ids:
        return []
    # With their profiles: the avatar tag shows a photo only when it needs no query.
    people = User.objects.select_related("profile").in_bulk(giver_ids)
    given: dict[int, int] = {}
    if with_given:
        # The other direction, for every listed person at once.
        given = dict(
            SupportAct.objects.filter(
                giver_id=member.pk,
                receiver_id__in=giver_ids,
                occurred_at__gte=start,
                occurred_at__lte=end,
            )
            .values("receiver_id")
            .annotate(n=Count("pk"))
            .values_list("receiver_id", "n")
        )
    labels = dict(SupportKind.choices)
    return [
        LedgerRow(
            person=people[row["giver_id"]],
            total=row["total"],
            kinds=[
                KindCount(kind=kind, label=labels[kind], count=row[_kind_key(kind)])
                for kind in SupportKind.values
                if row[_kind_key(kind)]
            ],
            first_at=row["first_at"],
            last_at=row["last_at"],
            returned=row["returned"],
            given=given.get(row["giver_id"], 0),
            is_following=row["is_following"],
        )
        for row in grouped
    ]


def support_ledger(
    *,
    member: User,
    days: int = LEDGER_DAYS,
    now: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[LedgerRow]:
    """Who supported `member` in the last `days` days and how, most support first, and
    whether the member returned the favour. Three queries whatever the number of people:
    the grouped ledger, the reverse direction, and the people themselves."""
    start, end = _window(days, now)
    grouped = _received_grouped(member=member, start=start, end=end).order_by(
        "-total", "-last_at", "giver_id"
    )
    if limit is not None:
        grouped = grouped[offset : offset + limit]
    elif offset:
        grouped = grouped[offset:]
    return _rows_from(list(grouped), member=member, start=start, end=end, with_given=True)


def support_ledger_count(
    *, member: User, days: int = LEDGER_DAYS, now: datetime | None = None
) -> int:
    start, end = _window(days, now)
    return (
        SupportAct.objects.filter(
            receiver_id=member.pk,
            occurred_at__gte=start,
            occurred_at__lte=end,
            giver__is_active=True,
            giver__erased_at__isnull=True,
        )
        .values("giver_id")
        .distinct()
        .count()
    )


# A member's supporters to thank change when they give or receive support: the services that
# record it replace this version (members.services.reciprocity.ledger_changed), and what is
# worked out from the ledger for their pages may be kept under it.
LEDGER_VERSION_SECONDS = 24 * 60 * 60


def ledger_version_key(user_id: int) -> str:
    return f"members:ledger-version:{user_id}"


def ledger_version(user_id: int) -> str:
    """The member's current ledger version (prefetched with their request); a missing one
    is created, so nothing kept under an older one can match."""
    key = ledger_version_key(user_id)
    version = cache_get_many_prefetched([key]).get(key)
    if version is None:
        cache.add(key, uuid4().hex, timeout=LEDGER_VERSION_SECONDS)
        version = cache.get(key)
    return version or ""


def supporters_to_thank(
    *, member: User, limit: int, days: int = LEDGER_DAYS, now: datetime | None = None
) -> list[LedgerRow]:
    """People who supported `member` lately and have not been supported back since, most
    support first. Filtered and limited in SQL: two queries, however many supporters."""
    start, end = _window(days, now)
    grouped = (
        _received_grouped(member=member, start=start, end=end)
        .filter(returned=False)
        .order_by("-total", "-last_at", "giver_id")[:limit]
    )
    return _rows_from(list(grouped), member=member, start=start, end=end, with_given=False)


# --- Community reciprocity rate ----------------------------------------------------------


@dataclass(frozen=True)
class ReciprocityRate:
    """Of the ordered pairs (A, B) where A supported B in [start, end), how many saw B
    support A within `reply_window_days` after A's first support in that window."""

    pairs: int
    reciprocated: int

    @property
    def rate(self) -> float | None:
        return self.reciprocated / self.pairs if self.pairs else None


def reciprocity_rate(
    *, start: datetime, end: datetime, reply_window_days: int = 30, people: Q | None = None
) -> ReciprocityRate:
    """One aggregate query. Each pair is represented by its first act in the window (no
    earlier act of the same pair in the window); the pair is reciprocated when B supported
    A after that act and within the reply window. B's return may fall after `end`: a pair
    near the end of the window is judged on the full reply window, so a value computed
    before that window has passed can still rise (a metrics snapshot decides when to
    freeze it).

    `people` narrows whose acts count: a condition on an act's giver and receiver that
    holds for both directions of a pair or for neither (metrics passes "both are counted
    members"). The earlier act and the return are between the same two people, so they
    are looked up without it: two index probes per act, no joins."""
    in_window = Q(occurred_at__gte=start, occurred_at__lt=end)
    earlier_in_pair = SupportAct.objects.filter(
        in_window,
        giver_id=OuterRef("giver_id"),
        receiver_id=OuterRef("receiver_id"),
    ).filter(
        # Ties on the timestamp are broken by id, so exactly one act opens each pair.
        Q(occurred_at__lt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), pk__lt=OuterRef("pk"))
    )
    returned = SupportAct.objects.filter(
        giver_id=OuterRef("receiver_id"),
        receiver_id=OuterRef("giver_id"),
        occurred_at__gt=OuterRef("occurred_at"),
        occurred_at__lte=ExpressionWrapper(
            OuterRef("occurred_at") + Value(timedelta(days=reply_window_days)),
            output_field=DateTimeField(),
        ),
    )
    result = (
        SupportAct.objects.filter(in_window, people or Q())
        .filter(~Exists(earlier_in_pair))
        .aggregate(
            pairs=Count("pk"),
            reciprocated=Count("pk", filter=Exists(returned)),
        )
    )
    return ReciprocityRate(pairs=result["pairs"], reciprocated=result["reciprocated"])


class SupportLedgerList:
    """The ledger as a lazily sliced sequence, so Django's Paginator fetches one page (three
    queries) plus the count, whatever the number of supporters."""

    def __init__(self, *, member: User, days: int = LEDGER_DAYS, now: datetime | None = None):
        self.member = member
        self.days = days
        self.now = now or timezone.now()
        self.start = self.now - timedelta(days=days)

    def count(self) -> int:
        return support_ledger_count(member=self.member, days=self.days, now=self.now)

    def __getitem__(self, index: slice) -> list[LedgerRow]:
        if not isinstance(index, slice):
            raise TypeError("SupportLedgerList supports slices only")
        start = index.start or 0
        return support_ledger(
            member=self.member,
            days=self.days,
            now=self.now,
            limit=None if index.stop is None else index.stop - start,
            offset=start,
        )
