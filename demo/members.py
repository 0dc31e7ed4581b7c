"""The demo community behind `make run`: Acme's customer community, four log-ins (one per
role) and a crowd of generated members.

Everything is deterministic for a given seed, so a screenshot, a bug report or a benchmark
taken on one machine shows the same people on another. Each part of the seed is its own
function so later issues can add forum content beside the members."""

import itertools
import math
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import NamedTuple, TypeVar

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from community.exceptions import ApplicationError
from community.models import BRANDING_ID, FooterLink, SiteBranding
from community.services import branding_cache_clear, branding_update
from demo import member_activity
from demo.groups import demo_groups_create
from members import roles
from members.models import User
from members.services import member_roles_set
from members.validators import username_validators

# Printed by `demo_logins` and in the README; a demo database holds nothing worth protecting.
DEMO_PASSWORD = "hearth-demo-2026"  # noqa: S105
DEMO_COMMUNITY_NAME = "Acme Customer Community"
DEMO_DEFAULT_MEMBERS = 60
DEMO_DEFAULT_SEED = 2026
# Rows per bulk INSERT round: large enough that 100,000 members take a few hundred
# statements, small enough that one batch's objects stay a few MB.
DEMO_BATCH_SIZE = 1000


class DemoAccount(NamedTuple):
    username: str
    email: str
    role: str  # how `demo_logins` names the account
    display_name: str
    role_names: tuple[str, ...]
    joined_days_ago: int  # the manager and executive launched the community


DEMO_ACCOUNTS = (
    DemoAccount(
        "maya", "maya@acme.example", "Member", "Maya Patel",
        (roles.MEMBERS,), 240,
    ),
    DemoAccount(
        "omar", "omar@acme.example", "Moderator", "Omar Haddad",
        (roles.MODERATORS, roles.MEMBERS), 470,
    ),
    DemoAccount(
        "carmen", "carmen@acme.example", "Community manager", "Carmen Ortiz",
        (roles.COMMUNITY_MANAGERS, roles.MEMBERS), 545,
    ),
    DemoAccount(
        "evan", "evan@acme.example", "Executive", "Evan Brooks",
        (roles.EXECUTIVES, roles.MEMBERS), 540,
    ),
)  # fmt: skip

DEMO_BRANDING = {
    "community_name": DEMO_COMMUNITY_NAME,
    "tagline": "Answers, ideas and people who use Acme every day.",
    "purpose": (
        "Where Acme customers help one another get more out of Acme, share what works, "
        "and tell the product team what to build next."
    ),
    "welcome_text": (
        "## Welcome to the Acme Customer Community\n\n"
        "This is the place to meet other teams who run on Acme.\n\n"
        "- **Ask a question** in [Product Q&A](/forums/c/product-qa/): customers and Acme "
        "staff answer.\n"
        "- **Help someone**: these [questions are still waiting for an answer]"
        "(/forums/unanswered/).\n"
        "- **Shape the roadmap**: vote in [polls](/polls/), and post and discuss "
        "[ideas](/forums/c/ideas/).\n\n"
        "New here? Say hello in [Introductions](/forums/c/introductions/) and tell us what "
        "you use Acme for."
    ),
    # Both pass the contrast rules in SiteBranding.clean (7.0:1 and 5.0:1 on white).
    "primary_color": "#1d4ed8",
    "accent_color": "#b45309",
}
DEMO_FOOTER_LINKS = (
    ("Acme help centre", "https://help.acme.example/"),
    ("Product status", "https://status.acme.example/"),
    ("Privacy", "https://acme.example/privacy/"),
)

# Customers come from several countries; weights roughly match a European/US customer base.
_NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "nl_NL", "it_IT")
_NAME_LOCALE_CUM_WEIGHTS = tuple(itertools.accumulate((35, 20, 12, 10, 10, 7, 6)))
# Reserved documentation domains (RFC 2606), so a demo database can never e-mail a real person.
_CUSTOMER_DOMAINS = (
    "globex.example", "initech.example", "umbrella.example", "hooli.example",
    "vandelay.example", "stark.example", "wayne.example", "example.com", "example.org",
)  # fmt: skip
_JOIN_WINDOW = timedelta(days=548)  # about 18 months
_USERNAME_MIN, _USERNAME_MAX = 3, 30
# Letters that Unicode decomposition does not reduce to ASCII.
_TRANSLITERATIONS = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d"})


@dataclass(frozen=True)
class DemoSeedResult:
    community_name: str
    accounts: tuple[str, ...]
    members_created: int


@dataclass(frozen=True, slots=True)
class DemoMember:
    username: str
    email: str
    first_name: str
    last_name: str
    date_joined: datetime

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def member_accounts_exist() -> bool:
    """Whether anyone has an account. guardian's AnonymousUser row is created by `migrate`
    itself, so it does not count."""
    return User.objects.exclude(username=settings.ANONYMOUS_USER_NAME).exists()


def demo_join_anchor() -> datetime:
    """Start of today, local time: join dates are counted back from here, so a seed run
    twice on the same day gives the same dates."""
    return datetime.combine(timezone.localdate(), time.min, tzinfo=timezone.get_current_timezone())


@transaction.atomic
def demo_community_seed(
    *, members: int, seed: int, progress: bool = True, batch_size: int = DEMO_BATCH_SIZE
) -> DemoSeedResult:
    """Build the demo community in an empty database.

    One transaction: an interrupted run leaves the database empty, so it can simply be run
    again. A database with accounts is refused rather than mixed with demo people."""
    if members < 0:
        raise ValueError("members must be zero or more")
    if member_accounts_exist():
        raise ApplicationError(
            "This database already has member accounts. The demo seed only fills a fresh "
            "database: point DATABASE_URL at a new one (or use --if-empty to skip)."
        )
    anchor = demo_join_anchor()
    # Hashed once: with production hashing (about half a second per hash) hashing per
    # member would dominate the run. Every demo person shares the same password anyway.
    password_hash = make_password(DEMO_PASSWORD)

    branding = demo_branding_apply()
    demo_footer_links_create(branding=branding)
    accounts = demo_accounts_create(password_hash=password_hash, anchor=anchor)
    taken = set(User.objects.values_list("username", flat=True))
    created = demo_members_create(
        members=demo_members_generate(count=members, seed=seed, anchor=anchor, taken=taken),
        total=members,
        password_hash=password_hash,
        progress=progress,
        batch_size=batch_size,
    )
    demo_life_create(accounts=accounts, seed=seed, progress=progress)
    return DemoSeedResult(
        community_name=branding.community_name,
        accounts=tuple(user.username for user in accounts),
        members_created=created,
    )


def demo_life_create(*, accounts: list[User], seed: int, progress: bool) -> None:
    """Profiles, visits, follows, shout-outs and trust levels for everyone seeded."""
    rng = random.Random(seed + 1)  # noqa: S311 - demo data, reproducibility is the point
    people = member_activity.demo_people()
    account_ids = [user.pk for user in accounts]
    member_activity.demo_profiles_create(people=people, rng=rng, progress=progress)
    member_activity.demo_visits_create(
        people=people,
        rng=rng,
        today=timezone.localdate(),
        progress=progress,
        regulars=frozenset(account_ids[1:]),
    )
    member_activity.demo_relations_create(
        people=people, rng=rng, now=timezone.now(), focus=account_ids, progress=progress
    )
    demo_groups_create(
        members=list(
            User.objects.exclude(username=settings.ANONYMOUS_USER_NAME)
            .only("pk", "username", "email", "date_joined")
            .order_by("pk")
        ),
        rng=rng,
    )
    member_activity.demo_trust_levels_set(
        leaders=[user.pk for user in accounts if roles.COMMUNITY_MANAGERS in _roles_of(user)]
    )


def _roles_of(user: User) -> tuple[str, ...]:
    return next(a.role_names for a in DEMO_ACCOUNTS if a.username == user.username)


def demo_branding_apply() -> SiteBranding:
    return branding_update(branding=SiteBranding.objects.get(pk=BRANDING_ID), **DEMO_BRANDING)


def demo_footer_links_create(*, branding: SiteBranding) -> list[FooterLink]:
    """Add the demo footer links that are not there yet."""
    existing = set(branding.footer_links.values_list("url", flat=True))
    links = [
        FooterLink(branding=branding, label=label, url=url, position=position)
        for position, (label, url) in enumerate(DEMO_FOOTER_LINKS)
        if url not in existing
    ]
    for link in links:
        link.full_clean(exclude=["branding"])  # the row was just loaded; skip the FK lookup
    created = FooterLink.objects.bulk_create(links)
    # bulk_create sends no signals, and the branding snapshot includes the footer links.
    transaction.on_commit(branding_cache_clear)
    return created


def demo_accounts_create(*, password_hash: str, anchor: datetime) -> list[User]:
    """The four log-ins printed by `demo_logins`, one per role."""
    accounts = []
    for account in DEMO_ACCOUNTS:
        joined = anchor - timedelta(days=account.joined_days_ago)
        first_name, _, last_name = account.display_name.partition(" ")
        user = User(
            username=account.username,
            email=account.email,
            first_name=first_name,
            last_name=last_name,
            display_name=account.display_name,
            password=password_hash,
            date_joined=joined,
            # Already "welcomed": seeding must not queue e-mails to demo addresses.
            welcome_email_sent_at=joined,
        )
        user.full_clean()
        user.save()
        member_roles_set(user=user, role_names=list(account.role_names))
        accounts.append(user)
    _email_addresses_create(users=accounts)
    _created_at_backdate(user_ids=[user.pk for user in accounts])
    return accounts


def demo_members_generate(
    *, count: int, seed: int, anchor: datetime, taken: Iterable[str] = ()
) -> Iterator[DemoMember]:
    """`count` plausible members, the same ones for the same seed, oldest first (so ids
    rise with join dates, as in a real community). Usernames avoid `taken` and each other
    case-insensitively, and pass the sign-up validators."""
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducibility is the point
    fakers = []
    for locale in _NAME_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        fakers.append(fake)
    # More recent joins than old ones (density falls linearly with age): communities grow.
    window = _JOIN_WINDOW.total_seconds()
    ages = sorted((window * (1 - math.sqrt(rng.random())) for _ in range(count)), reverse=True)
    usernames = _UsernameAllocator(taken=taken)
    for age in ages:
        fake = rng.choices(fakers, cum_weights=_NAME_LOCALE_CUM_WEIGHTS)[0]
        first_name, last_name = fake.first_name(), fake.last_name()
        username = usernames.claim(_username_base(first_name, last_name, rng=rng))
        yield DemoMember(
            username=username,
            email=f"{username}@{rng.choice(_CUSTOMER_DOMAINS)}",
            first_name=first_name,
            last_name=last_name,
            date_joined=anchor - timedelta(seconds=round(age)),
        )


def demo_members_create(
    *,
    members: Iterable[DemoMember],
    total: int,
    password_hash: str,
    progress: bool = True,
    batch_size: int = DEMO_BATCH_SIZE,
) -> int:
    """Insert members in batches: a fixed number of statements per batch, none per member."""
    members_group_id = Group.objects.values_list("pk", flat=True).get(name=roles.MEMBERS)
    membership = User.groups.through
    created = 0
    # disable=None: draw the bar only on a terminal, so logs and CI output stay clean.
    with tqdm(
        total=total, unit="member", desc="Demo members", disable=None if progress else True
    ) as bar:
        for batch in _batched(members, batch_size):
            users = User.objects.bulk_create(
                [
                    User(
                        username=member.username,
                        email=member.email,
                        first_name=member.first_name,
                        last_name=member.last_name,
                        display_name=member.display_name,
                        password=password_hash,
                        date_joined=member.date_joined,
                        welcome_email_sent_at=member.date_joined,
                    )
                    for member in batch
                ]
            )
            user_ids = [user.pk for user in users]
            _created_at_backdate(user_ids=user_ids)
            _email_addresses_create(users=users)
            membership.objects.bulk_create(
                [membership(user_id=user_id, group_id=members_group_id) for user_id in user_ids]
            )
            created += len(users)
            bar.update(len(users))
    return created


def _email_addresses_create(*, users: list[User]) -> None:
    # allauth only lets verified addresses log in (ACCOUNT_EMAIL_VERIFICATION = mandatory).
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user.pk, email=user.email, primary=True, verified=True)
            for user in users
        ]
    )


def _created_at_backdate(*, user_ids: list[int]) -> None:
    # created_at is auto_now_add, which INSERT always overwrites with "now"; one UPDATE per
    # batch moves it to the join date so "new members" metrics see the seeded history.
    User.objects.filter(pk__in=user_ids).update(created_at=F("date_joined"))


class _UsernameAllocator:
    """Hands out unique, valid usernames: the base itself, else base2, base3, …"""

    def __init__(self, *, taken: Iterable[str]):
        self._taken = {name.lower() for name in taken}
        self._next_suffix: dict[str, int] = {}  # skips suffixes already tried for a base

    def claim(self, base: str) -> str:
        suffix = self._next_suffix.get(base, 1)
        while True:
            candidate = base if suffix == 1 else _with_suffix(base, suffix)
            suffix += 1
            if candidate not in self._taken and _username_is_valid(candidate):
                break
        self._next_suffix[base] = suffix
        self._taken.add(candidate)
        return candidate


def _with_suffix(base: str, suffix: int) -> str:
    text = str(suffix)
    return base[: _USERNAME_MAX - len(text)] + text


def _username_is_valid(username: str) -> bool:
    if not _USERNAME_MIN <= len(username) <= _USERNAME_MAX:
        return False
    try:
        for validator in username_validators:
            validator(username)
    except ValidationError:
        return False
    return True


def _ascii_slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATIONS))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode())


def _username_base(first_name: str, last_name: str, *, rng: random.Random) -> str:
    """A handle in one of the shapes people pick: maya.patel, mayapatel, mpatel, maya_p, …"""
    first = _ascii_slug(first_name) or "member"
    last = _ascii_slug(last_name) or "acme"
    shapes = (
        f"{first}.{last}",
        f"{first}{last}",
        f"{first}_{last}",
        f"{first[0]}{last}",
        f"{first}.{last[0]}",
        f"{first}{rng.randint(1, 99)}",
        f"{first}-{last}",
    )
    base = shapes[rng.randrange(len(shapes))]
    # A cut that ends on a separator would break the "end with a letter or digit" rule.
    return base[:_USERNAME_MAX].rstrip("._-")


_T = TypeVar("_T")


def _batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    # itertools.batched arrives in Python 3.12; Hearth supports 3.11.
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
