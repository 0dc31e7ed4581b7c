"""Support, moderation and search health: the breakdowns some KPIs keep in their snapshot
`detail`, read back for the dashboard and the KPI pages (a selector module: it reads stored
snapshots only, never computes a KPI).

Each reader takes the (value, detail) a KPI stored and returns what the page shows, or None
for a part it cannot read: a detail that is missing or shaped otherwise (an older snapshot,
a KPI that changed) hides that part instead of breaking the page. The shapes are the ones
metrics.kpis.support, .conversation, .moderation and .search write; docs/dashboard.md lists
them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forums.models import FlagReason, ModerationAction
from members.models import TrustLevel, User
from metrics.kpis.support import resolution_band
from metrics.models import KpiSnapshot

SUPPORT_KEYS = (
    "resolution_rate",
    "staff_involvement",
    "first_reply_distribution",
    "answerer_mix",
    "median_first_response_hours",
)
MODERATION_KEYS = ("flags", "median_flag_resolution_hours", "moderation_activity")
SEARCH_KEYS = ("search_click_through", "zero_result_searches")
HEALTH_KEYS = SUPPORT_KEYS + MODERATION_KEYS + SEARCH_KEYS
# Rows of each list shown; the rest are counted ("and 4 more").
LIST_SIZE = 10

BANDS = {
    "healthy": ("Healthy", "60 % or more of the questions in play are solved."),
    "fair": ("Fair", "Between 40 % and 60 % of the questions in play are solved."),
    "struggling": ("Struggling", "Fewer than 40 % of the questions in play are solved."),
}
FIRST_REPLY_BUCKETS = (
    ("under_1h", "Under 1 h"),
    ("1_to_4h", "1–4 h"),
    ("4_to_24h", "4–24 h"),
    ("over_24h", "Over 24 h"),
    ("none", "No response yet"),
)
RESOLUTION_COUNTS = (
    ("solved", "Solved"),
    ("in_progress", "In progress"),
    ("unanswered", "Unanswered"),
    ("closed", "Closed without an answer"),
)

Rows = Mapping[str, tuple[float | None, Any]]


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _count(value) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list_of_dicts(value) -> list[dict]:
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, dict)]


def _answerer_labels() -> dict[str, str]:
    # The answerer mix names each trust level by its label, lower-cased.
    labels = {"staff": "Staff"}
    for level in TrustLevel:
        labels[level.label.lower()] = f"{level.label} (trust level {level.value})"
    labels["former"] = "Former members"
    labels["unknown"] = "Unknown"
    return labels


# --- Support --------------------------------------------------------------------------------


@dataclass
class Band:
    key: str
    label: str
    meaning: str


@dataclass
class SupportHealth:
    resolution: float | None = None
    band: Band | None = None
    resolution_counts: list[tuple[str, int]] = field(default_factory=list)
    has_resolution: bool = False
    staff_involvement: float | None = None
    has_staff_involvement: bool = False
    first_reply: list[tuple[str, int]] = field(default_factory=list)  # (bucket, questions)
    answerers: list[tuple[str, float | None, int | None]] = field(default_factory=list)
    median_first_response: float | None = None
    has_median: bool = False
    responded: int | None = None
    without_response: int | None = None
    # Charts, set by the page that draws them.
    first_reply_chart: str = ""
    answerers_chart: str = ""

    @property
    def asked(self) -> int:
        return sum(n for _, n in self.first_reply)

    @property
    def first_reply_rows(self) -> list[tuple[str, int, float | None]]:
        asked = self.asked
        return [(label, n, n / asked if asked else None) for label, n in self.first_reply]

    @property
    def answered(self) -> bool:
        """Whether any answer was written: without one every share is undefined."""
        return any(share is not None for _, share, _ in self.answerers)

    @property
    def shown(self) -> bool:
        return bool(
            self.has_resolution
            or self.has_staff_involvement
            or self.first_reply
            or self.answerers
            or self.has_median
        )


def band_of(value: float | None, detail: dict) -> Band | None:
    """The band the KPI stored, else the one its value falls in."""
    key = detail.get("band")
    if key not in BANDS:
        key = resolution_band(_number(value))
    if key is None:
        return None
    return Band(key, *BANDS[key])


def support_health(rows: Rows) -> SupportHealth:
    health = SupportHealth()
    if "resolution_rate" in rows:
        value, detail = rows["resolution_rate"]
        detail = _dict(detail)
        health.has_resolution = True
        health.resolution = _number(value)
        health.band = band_of(value, detail)
        health.resolution_counts = [
            (label, _count(detail[key]))
            for key, label in RESOLUTION_COUNTS
            if _count(detail.get(key)) is not None
        ]
    if "staff_involvement" in rows:
        health.has_staff_involvement = True
        health.staff_involvement = _number(rows["staff_involvement"][0])
    if "first_reply_distribution" in rows:
        buckets = _dict(_dict(rows["first_reply_distribution"][1]).get("buckets"))
        counts = [(label, _count(buckets.get(key))) for key, label in FIRST_REPLY_BUCKETS]
        if all(n is not None for _, n in counts):
            health.first_reply = counts
    if "answerer_mix" in rows:
        detail = _dict(rows["answerer_mix"][1])
        shares, answers = _dict(detail.get("shares")), _dict(detail.get("answers"))
        labels = _answerer_labels()
        # The known groups in the ladder's order, then any the KPI added since.
        order = [key for key in labels if key in shares] + [k for k in shares if k not in labels]
        for key in order:
            share = _number(shares[key])
            if share is None and shares[key] is not None:
                continue  # not a number: left out rather than shown wrong
            label = labels.get(key, str(key).replace("_", " ").capitalize())
            health.answerers.append((label, share, _count(answers.get(key))))
    if "median_first_response_hours" in rows:
        value, detail = rows["median_first_response_hours"]
        detail = _dict(detail)
        health.has_median = True
        health.median_first_response = _number(value)
        health.responded = _count(detail.get("responded"))
        health.without_response = _count(detail.get("without_response"))
    return health


# --- Moderation -----------------------------------------------------------------------------


@dataclass
class Person:
    member_id: int
    name: str
    admin_linked: bool  # the page links the name to the member's admin page


@dataclass
class ModeratorRow:
    person: Person
    actions: int
    by_action: list[tuple[str, int]]


@dataclass
class OffenderRow:
    person: Person
    hidden_posts: int


@dataclass
class ModerationHealth:
    flags: float | None = None
    has_flags: bool = False
    by_reason: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    median_resolution: float | None = None
    has_median: bool = False
    resolved: int | None = None
    actions: float | None = None
    has_activity: bool = False
    by_action: list[tuple[str, int]] = field(default_factory=list)
    moderators: list[ModeratorRow] = field(default_factory=list)
    moderators_more: int = 0
    offenders: list[OffenderRow] = field(default_factory=list)
    offenders_more: int = 0
    has_offenders: bool = False
    # Raw rows, until names are attached (one query for all of them).
    _moderator_rows: list[dict] = field(default_factory=list, repr=False)
    _offender_rows: list[dict] = field(default_factory=list, repr=False)
    by_reason_chart: str = ""

    @property
    def shown(self) -> bool:
        return bool(
            self.has_flags
            or self.has_median
            or self.has_activity
            or self.moderators
            or self.has_offenders
        )

    def member_ids(self) -> set[int]:
        return {row["moderator_id"] for row in self._moderator_rows} | {
            row["member_id"] for row in self._offender_rows
        }


def _counts_by(choices, counts: dict) -> list[tuple[str, int]]:
    """`counts` keyed by a choice's value, as (label, n): the known choices in order, then
    any the detail has that the code no longer knows, by their stored value."""
    labels = dict(choices)
    rows = [(labels[key], _count(counts[key])) for key in labels if key in counts]
    rows += [(str(key), _count(n)) for key, n in counts.items() if key not in labels]
    return [(label, n) for label, n in rows if n is not None]


def moderation_health(rows: Rows) -> ModerationHealth:
    health = ModerationHealth()
    if "flags" in rows:
        value, detail = rows["flags"]
        detail = _dict(detail)
        health.has_flags = True
        health.flags = _number(value)
        health.by_reason = _counts_by(FlagReason.choices, _dict(detail.get("by_reason")))
        health.by_category = [
            (str(row.get("category") or "—"), n)
            for row in _list_of_dicts(detail.get("by_category"))
            if (n := _count(row.get("flags"))) is not None
        ]
    if "median_flag_resolution_hours" in rows:
        value, detail = rows["median_flag_resolution_hours"]
        detail = _dict(detail)
        health.has_median = True
        health.median_resolution = _number(value)
        health.resolved = _count(detail.get("resolved"))
        health._moderator_rows = [
            row
            for row in _list_of_dicts(detail.get("moderators"))
            if _count(row.get("moderator_id")) is not None and _count(row.get("actions"))
        ]
        offenders = detail.get("repeat_offenders")
        health.has_offenders = isinstance(offenders, list)
        health._offender_rows = [
            row
            for row in _list_of_dicts(offenders)
            if _count(row.get("member_id")) is not None
            and _count(row.get("hidden_posts")) is not None
        ]
        health.moderators_more = max(len(health._moderator_rows) - LIST_SIZE, 0)
        health.offenders_more = max(len(health._offender_rows) - LIST_SIZE, 0)
        health._moderator_rows = health._moderator_rows[:LIST_SIZE]
        health._offender_rows = health._offender_rows[:LIST_SIZE]
    if "moderation_activity" in rows:
        value, detail = rows["moderation_activity"]
        health.has_activity = True
        health.actions = _number(value)
        by_action = _counts_by(ModerationAction.choices, _dict(_dict(detail).get("by_action")))
        health.by_action = [(label, n) for label, n in by_action if n]
    return health


def people_named(ids: Iterable[int], *, admin_links: bool) -> dict[int, Person]:
    """The members with these ids, by id, in one query. An id the database no longer has
    reads "Deleted member"."""
    ids = set(ids)
    found = User.objects.filter(pk__in=ids).only("username", "display_name", "erased_at")
    people = {
        user.pk: Person(user.pk, user.public_name, admin_links and not user.erased_at)
        for user in found
    }
    for missing in ids - set(people):
        people[missing] = Person(missing, "Deleted member", False)
    return people


def moderation_name(health: ModerationHealth, *, admin_links: bool) -> None:
    """Attach names to the moderators and repeat offenders (one query for both lists)."""
    ids = health.member_ids()
    if not ids:
        return
    people = people_named(ids, admin_links=admin_links)
    health.moderators = [
        ModeratorRow(
            person=people[int(row["moderator_id"])],
            actions=int(row["actions"]),
            by_action=_counts_by(ModerationAction.choices, _dict(row.get("by_action"))),
        )
        for row in health._moderator_rows
    ]
    health.offenders = [
        OffenderRow(person=people[int(row["member_id"])], hidden_posts=int(row["hidden_posts"]))
        for row in health._offender_rows
    ]


# --- Search ---------------------------------------------------------------------------------


@dataclass
class QueryRow:
    query: str
    searches: int
    clicked: int | None = None
    zero_result: int | None = None


@dataclass
class SearchHealth:
    click_through: float | None = None
    has_click_through: bool = False
    zero_result_share: float | None = None
    has_zero_result_share: bool = False
    searches: int | None = None
    top_queries: list[QueryRow] | None = None
    zero_result_queries: list[QueryRow] | None = None

    @property
    def shown(self) -> bool:
        return bool(
            self.has_click_through
            or self.has_zero_result_share
            or self.top_queries is not None
            or self.zero_result_queries is not None
        )


def _queries(value) -> list[QueryRow] | None:
    if not isinstance(value, list):
        return None
    rows = []
    for row in _list_of_dicts(value):
        searches = _count(row.get("searches"))
        if not isinstance(row.get("query"), str) or searches is None:
            continue
        rows.append(
            QueryRow(
                query=row["query"],
                searches=searches,
                clicked=_count(row.get("clicked")),
                zero_result=_count(row.get("zero_result")),
            )
        )
    return rows[:LIST_SIZE]


def search_health(rows: Rows) -> SearchHealth:
    health = SearchHealth()
    if "search_click_through" in rows:
        value, detail = rows["search_click_through"]
        detail = _dict(detail)
        health.has_click_through = True
        health.click_through = _number(value)
        health.searches = _count(detail.get("searches"))
        health.top_queries = _queries(detail.get("top_queries"))
        health.zero_result_queries = _queries(detail.get("zero_result_queries"))
    if "zero_result_searches" in rows:
        value, detail = rows["zero_result_searches"]
        health.has_zero_result_share = True
        health.zero_result_share = _number(value)
        # Both KPIs store the list; this one's is the list of its own KPI.
        own = _queries(_dict(detail).get("zero_result_queries"))
        if own is not None:
            health.zero_result_queries = own
    return health


# --- Reading the snapshots ------------------------------------------------------------------


@dataclass
class Health:
    support: SupportHealth
    moderation: ModerationHealth
    search: SearchHealth


def health_rows(day: date, window: int, keys: Iterable[str] = HEALTH_KEYS) -> dict:
    """{key: (value, detail)} of day D's snapshots of `keys` for `window`: one query."""
    rows = KpiSnapshot.objects.filter(key__in=list(keys), day=day, window=window)
    return {
        key: (value, detail) for key, value, detail in rows.values_list("key", "value", "detail")
    }


def health_from(rows: Rows, *, admin_links: bool) -> Health:
    """The three sections from rows read by health_rows (or with other keys among them),
    names attached in one query."""
    health = Health(support_health(rows), moderation_health(rows), search_health(rows))
    moderation_name(health.moderation, admin_links=admin_links)
    return health
