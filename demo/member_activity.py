"""The demo community's life so far: profiles, days visited, follows, shout-outs and the
support acts they stand for, so the profile pages, the directory's "most helpful" sort, the
"people who supported you" panel, trust levels and (later) the metrics have history.

Deterministic for a seed, and set-wise: a fixed number of statements per batch of members,
so `seed_demo --members 100000` stays within minutes."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from members.models import (
    ExpertiseTag,
    Follow,
    MemberVisit,
    Profile,
    ShoutOut,
    SupportAct,
    SupportKind,
    TrustLevel,
    User,
    Visibility,
)

EXPERTISE = (
    "Integrations", "Reporting", "API", "Billing", "Security", "Automation", "Data import",
    "Single sign-on", "Mobile app", "Dashboards", "Workflows", "Administration", "Migration",
    "Compliance", "Onboarding",
)  # fmt: skip
HEADLINES = (
    "Operations manager", "IT administrator", "Data analyst", "Customer success lead",
    "Solutions architect", "Finance controller", "Product owner", "Support engineer",
    "Head of IT", "Developer", "Consultant", "Project manager",
)  # fmt: skip
CITIES = (
    "London", "Berlin", "Paris", "Madrid", "Amsterdam", "Milan", "Chicago", "Toronto",
    "Austin", "Dublin", "Munich", "Lyon", "Rotterdam", "Seattle", "Manchester",
)  # fmt: skip
TIME_ZONES = ("Europe/London", "Europe/Berlin", "Europe/Paris", "America/Chicago",
              "America/New_York", "America/Los_Angeles")  # fmt: skip
SHOUT_OUTS = (
    "helped me untangle our SSO set-up in ten minutes.",
    "writes the clearest answers about reporting I have read.",
    "shared a workflow template that saved our team a day a week.",
    "always answers newcomers first. Follow them!",
    "knows the API inside out and explains it kindly.",
)
BATCH = 2000


@dataclass(frozen=True)
class Person:
    pk: int
    username: str
    email: str
    joined: datetime


def demo_people() -> list[Person]:
    return [
        Person(pk, username, email, joined)
        for pk, username, email, joined in User.objects.exclude(username="AnonymousUser")
        .order_by("pk")
        .values_list("pk", "username", "email", "date_joined")
    ]


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def demo_profiles_create(*, people: list[Person], rng: random.Random, progress: bool) -> None:
    ExpertiseTag.objects.bulk_create(
        [ExpertiseTag(name=name, slug=slugify(name)) for name in EXPERTISE], ignore_conflicts=True
    )
    tag_ids = list(
        ExpertiseTag.objects.filter(name__in=EXPERTISE)
        .order_by("name")
        .values_list("pk", flat=True)
    )
    through = Profile.expertise.through
    with tqdm(
        total=len(people), unit="profile", desc="Profiles", disable=None if progress else True
    ) as bar:
        for batch in _batches(people):
            profiles = []
            links = []
            for person in batch:
                domain = person.email.split("@", 1)[1].split(".", 1)[0]
                profiles.append(
                    Profile(
                        user_id=person.pk,
                        headline=rng.choice(HEADLINES),
                        company=domain.title() if domain not in {"example"} else "",
                        location=rng.choice(CITIES),
                        time_zone=rng.choice(TIME_ZONES),
                        bio=f"Working with Acme since {person.joined.year}.",
                        bio_html=f"<p>Working with Acme since {person.joined.year}.</p>\n",
                        # A realistic spread of privacy choices.
                        company_visibility=rng.choice(
                            (
                                Visibility.PUBLIC,
                                Visibility.MEMBERS,
                                Visibility.MEMBERS,
                                Visibility.PRIVATE,
                            )
                        ),
                        location_visibility=rng.choice((Visibility.PUBLIC, Visibility.MEMBERS)),
                    )
                )
                links.extend(
                    through(profile_id=person.pk, expertisetag_id=tag_id)
                    for tag_id in rng.sample(tag_ids, rng.randint(0, 3))
                )
            Profile.objects.bulk_create(profiles, ignore_conflicts=True)
            through.objects.bulk_create(links, ignore_conflicts=True)
            bar.update(len(batch))


def _engagement(rng: random.Random) -> float:
    # Most members drop by now and then; a few are there every other day (a long tail).
    return min(rng.paretovariate(1.3) - 1, 12.0)


def demo_visits_create(
    *,
    people: list[Person],
    rng: random.Random,
    today: date,
    progress: bool,
    regulars: frozenset[int] = frozenset(),
) -> None:
    with tqdm(
        total=len(people), unit="member", desc="Visits", disable=None if progress else True
    ) as bar:
        for batch in _batches(people):
            rows = []
            for person in batch:
                span = max((today - timezone.localdate(person.joined)).days, 1)
                if person.pk in regulars:
                    # Staff and the moderator are there most days of the last quarter.
                    window = min(span, 100)
                    days = rng.sample(range(window), min(window, 70))
                else:
                    wanted = min(span, int(_engagement(rng) * 6))
                    days = rng.sample(range(span), wanted) if wanted else []
                rows.extend(
                    MemberVisit(user_id=person.pk, day=today - timedelta(days=d)) for d in days
                )
            MemberVisit.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
            bar.update(len(batch))


def demo_relations_create(
    *, people: list[Person], rng: random.Random, now: datetime, focus: list[int], progress: bool
) -> None:
    """Follows and shout-outs, each recorded as a support act. `focus` are the demo log-ins:
    they get a realistic share of support so their pages have something to show."""
    ids = [person.pk for person in people]
    joined = {person.pk: person.joined for person in people}
    # A follow's support act points at the person followed: once per pair (follows service).
    user_type = ContentType.objects.get_for_model(User)
    shout_type = ContentType.objects.get_for_model(ShoutOut)

    pairs: set[tuple[int, int]] = set()
    for person in people:
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 5))):
            other = rng.choice(focus) if rng.random() < 0.15 else rng.choice(ids)
            if other != person.pk:
                pairs.add((person.pk, other))
    # Recent supporters of the first demo log-in (the member), some thanked, some not.
    for supporter in ids[len(focus) : len(focus) + 8]:
        pairs.add((supporter, focus[0]))

    def when(a: int, b: int) -> datetime:
        start = max(joined[a], joined[b])
        return start + (now - start) * rng.uniform(0.3, 1.0)

    ordered = sorted(pairs)
    with tqdm(
        total=len(ordered), unit="follow", desc="Follows", disable=None if progress else True
    ) as bar:
        for batch in _batches(ordered, 5000):
            follows = Follow.objects.bulk_create(
                [Follow(follower_id=a, followed_id=b) for a, b in batch]
            )
            moments = [when(f.follower_id, f.followed_id) for f in follows]
            Follow.objects.bulk_update(
                [Follow(pk=f.pk, created_at=m) for f, m in zip(follows, moments, strict=True)],
                ["created_at"],
            )
            SupportAct.objects.bulk_create(
                [
                    SupportAct(
                        giver_id=f.follower_id,
                        receiver_id=f.followed_id,
                        kind=SupportKind.FOLLOW,
                        target_type=user_type,
                        target_id=f.followed_id,
                        occurred_at=m,
                    )
                    for f, m in zip(follows, moments, strict=True)
                ]
            )
            bar.update(len(batch))

    shout_pairs = [pair for pair in ordered if rng.random() < 0.12]
    shout_outs = ShoutOut.objects.bulk_create(
        [
            ShoutOut(
                author_id=a,
                recipient_id=b,
                message=f"You should follow them: they {rng.choice(SHOUT_OUTS)}",
            )
            for a, b in shout_pairs
        ],
        batch_size=5000,
    )
    SupportAct.objects.bulk_create(
        [
            SupportAct(
                giver_id=s.author_id,
                receiver_id=s.recipient_id,
                kind=SupportKind.SHOUT_OUT,
                target_type=shout_type,
                target_id=s.pk,
                occurred_at=when(s.author_id, s.recipient_id),
            )
            for s in shout_outs
        ],
        batch_size=5000,
    )


def demo_trust_levels_set(*, leaders: list[int]) -> None:
    from members.models import TrustLevelChange
    from members.services.trust import trust_levels_recompute

    User.objects.filter(pk__in=leaders).update(trust_level=TrustLevel.LEADER)
    trust_levels_recompute()
    # The recompute records every promotion as of today; in the demo's history they happened
    # along the way, somewhere between a member's first week and last month (a fixed share
    # of their time here per member, so the same seed gives the same history).
    now = timezone.now()
    changes = list(
        TrustLevelChange.objects.filter(changed_by__isnull=True)
        .select_related("user")
        .only("pk", "changed_at", "user__date_joined")
    )
    for change in changes:
        joined = change.user.date_joined
        share = 0.15 + 0.7 * ((change.user_id * 2654435761) % 1000) / 1000
        change.changed_at = joined + (now - joined) * share
    TrustLevelChange.objects.bulk_update(changes, ["changed_at"], batch_size=5000)
