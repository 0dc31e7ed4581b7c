"""Trust levels, recomputed for every member with a bounded number of statements (no Python
loop over members; each change is recorded in the trust-level history), and
the directory's "most helpful" score, refreshed by the same nightly job.

The signals are the ones every later app feeds without knowing about trust: days visited
(MemberVisit) and support given and received (SupportAct — forum reactions, replies and
accepted answers are support acts too, so forum activity counts as soon as forums record it).
Thresholds follow Discourse's ladder, scaled to the signals we have; docs/trust-levels.md
explains them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from members.access import member_pages_changed
from members.models import (
    ApprovalStatus,
    MemberVisit,
    SupportAct,
    SupportKind,
    TrustLevel,
    TrustLevelChange,
    User,
)


@dataclass(frozen=True)
class TrustRules:
    basic_days_visited: int = 2
    member_days_visited: int = 15
    member_account_age_days: int = 14
    member_support_given: int = 1
    member_support_received: int = 1
    regular_window_days: int = 100
    regular_days_visited: int = 50
    regular_support_given: int = 10
    regular_support_received: int = 5


RULES = TrustRules()


def _count(queryset, *, owner_field: str):
    """A correlated COUNT(*) of `queryset` rows belonging to the outer user, 0 when none."""
    counted = (
        queryset.filter(**{owner_field: OuterRef("pk")})
        .order_by()
        .values(owner_field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def trust_levels_recompute(*, now: datetime | None = None, rules: TrustRules = RULES) -> int:
    """Recompute every member's trust level; returns how many members were evaluated.

    Leaders are appointed by community managers and never recomputed. Basic and Member are
    never taken away (Discourse does the same); Regular must be kept up, and a member who
    falls back drops to Member."""
    now = now or timezone.now()
    window_start = timezone.localdate(now) - timedelta(days=rules.regular_window_days)
    since = now - timedelta(days=rules.regular_window_days)

    days_visited = _count(MemberVisit.objects.all(), owner_field="user")
    recent_days_visited = _count(
        MemberVisit.objects.filter(day__gte=window_start), owner_field="user"
    )
    given = _count(SupportAct.objects.all(), owner_field="giver")
    received = _count(SupportAct.objects.all(), owner_field="receiver")
    recent_given = _count(SupportAct.objects.filter(occurred_at__gte=since), owner_field="giver")
    recent_received = _count(
        SupportAct.objects.filter(occurred_at__gte=since), owner_field="receiver"
    )

    is_regular = (
        GreaterThanOrEqual(recent_days_visited, rules.regular_days_visited)
        & GreaterThanOrEqual(recent_given, rules.regular_support_given)
        & GreaterThanOrEqual(recent_received, rules.regular_support_received)
    )
    is_member = (
        GreaterThanOrEqual(days_visited, rules.member_days_visited)
        & LessThanOrEqual(F("date_joined"), now - timedelta(days=rules.member_account_age_days))
        & GreaterThanOrEqual(given, rules.member_support_given)
        & GreaterThanOrEqual(received, rules.member_support_received)
    )
    is_basic = GreaterThanOrEqual(days_visited, rules.basic_days_visited)
    earned = Case(
        When(is_regular, then=Value(TrustLevel.REGULAR)),
        When(is_member, then=Value(TrustLevel.MEMBER)),
        When(is_basic, then=Value(TrustLevel.BASIC)),
        default=Value(TrustLevel.NEW),
        output_field=IntegerField(),
    )
    # What was earned before and cannot be lost: up to Member.
    kept = Least("trust_level", Value(TrustLevel.MEMBER))
    evaluated = (
        User.objects.exclude(trust_level=TrustLevel.LEADER)
        .filter(is_active=True, erased_at__isnull=True)
        .filter(approval_status=ApprovalStatus.APPROVED)
    )
    with transaction.atomic():
        # Only the members whose level moves come back to Python: a night's promotions,
        # not the membership. Their history rows are written first and the users' levels
        # are then set from those rows, so the two can never disagree.
        changes = list(
            evaluated.annotate(new_level=Greatest(earned, kept, output_field=IntegerField()))
            .exclude(trust_level=F("new_level"))
            .values_list("pk", "trust_level", "new_level")
        )
        _changes_record(changes, at=now)
        if changes:
            latest = TrustLevelChange.objects.filter(user=OuterRef("pk"), changed_at=now).order_by(
                "-pk"
            )
            User.objects.filter(
                pk__in=TrustLevelChange.objects.filter(changed_at=now).values("user")
            ).update(trust_level=Subquery(latest.values("to_level")[:1]))
            # Levels show on every card and profile: a night's promotions, all at once.
            member_pages_changed(every_profile=True)
    return evaluated.count()


def _changes_record(
    changes: list[tuple[int, int, int]], *, at: datetime, by: User | None = None
) -> None:
    TrustLevelChange.objects.bulk_create(
        [
            TrustLevelChange(
                user_id=user_id, from_level=old, to_level=new, changed_at=at, changed_by=by
            )
            for user_id, old, new in changes
        ],
        batch_size=1000,
    )


def trust_level_change_record(*, user: User, from_level: int, actor: User | None) -> None:
    """Record that `user`'s level was set by hand (a community manager in the admin) from
    `from_level` to the level it has now; nothing when it did not move."""
    if user.trust_level != from_level:
        _changes_record([(user.pk, from_level, user.trust_level)], at=timezone.now(), by=actor)
        member_pages_changed(user_ids=[user.pk])


# "Most helpful" means help that others acknowledged: reactions to a member's posts and
# their answers accepted. A reply's support act goes to the topic's author (being answered
# is being helped, not helping), a shout-out is a recommendation with its own place on the
# profile, and a follow is popularity (docs/decisions.md).
HELPFUL_KINDS = (SupportKind.REACTION, SupportKind.ACCEPTED_ANSWER)
HELPFUL_WINDOW = timedelta(days=90)


def helpfulness_recompute(*, now: datetime | None = None) -> int:
    """Store every member's `helpful_score`: HELPFUL_KINDS acts received in the HELPFUL_WINDOW
    before `now`. One UPDATE with a grouped count per member, like the trust levels; members
    whose score did not move are not written (the score is indexed, so every write costs a
    new entry in each index of the user table). Returns how many scores changed.

    The directory sorts by the stored score, so "most helpful" is as of the last run: the
    nightly job, and seed_demo after it seeds support acts."""
    now = now or timezone.now()
    score = _count(
        SupportAct.objects.filter(kind__in=HELPFUL_KINDS, occurred_at__gte=now - HELPFUL_WINDOW),
        owner_field="receiver",
    )
    changed = User.objects.exclude(helpful_score=score).update(helpful_score=score)
    if changed:
        member_pages_changed()  # the "most helpful" order
    return changed


def member_standing_recompute(*, now: datetime | None = None) -> int:
    """The nightly job (members.recompute_trust_levels): trust levels, then "most helpful"
    scores, both as of the same moment. Returns how many members were evaluated for trust."""
    now = now or timezone.now()
    evaluated = trust_levels_recompute(now=now)
    helpfulness_recompute(now=now)
    return evaluated
