"""The member directory: who is listed, who may browse it, search, filters and sorts.

Every profile field searched or filtered by goes through members.visibility.field_visible_q,
so a hidden company can't be found by guessing it. One query fetches a page of members with
their profiles, one more their expertise tags, whatever the page size."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, When
from django.utils.functional import cached_property

from members.models import ExpertiseTag, Profile, User
from members.models.user import sort_name
from members.permissions import community_member_q, groups_with_visible_members
from members.visibility import field_visible_q, visible_fields

DIRECTORY_PAGE_SIZE = 24
# A kept count's key carries the directory's version; this bounds it should a version lapse.
COUNT_SECONDS = 10 * 60
SEARCH_MAX_TERMS = 5
# Profile fields the directory's search box looks in (each behind its visibility). The site
# search adds the bio: it looks for what people wrote, the directory for who they are.
DIRECTORY_SEARCH_FIELDS = ("company", "headline", "location")
SITE_SEARCH_FIELDS = (*DIRECTORY_SEARCH_FIELDS, "bio")


class DirectoryPaginator(Paginator):
    """Counts `count_source` (the filtered, unsorted members) rather than the sorted list:
    a sort may add a join that only the ordering needs ("most active" joins the profile),
    which would only make the count slower on 100,000 members. With `count_key` the count
    is kept in the cache under it (a key that changes with what is counted, members.page_cache:
    the count scans every listed member, 27-33 ms at 100,000)."""

    def __init__(self, object_list, per_page, *, count_source=None, count_key=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_source = count_source
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        if self.count_key is not None:
            found = cache.get(self.count_key)
            if found is not None:
                return found
        source = self.count_source if self.count_source is not None else self.object_list
        count = source.order_by().count()
        if self.count_key is not None:
            cache.set(self.count_key, count, COUNT_SECONDS)
        return count


@dataclass(frozen=True)
class MemberCard:
    """One member in a list, with the profile fields this viewer may see."""

    user: User
    profile: Profile
    visible: frozenset[str]
    expertise: list[ExpertiseTag]


def _loaded_profile(user: User) -> Profile | None:
    try:
        return user.profile  # select_related: no query, even when the row is missing
    except Profile.DoesNotExist:
        return None


def member_cards(users: Iterable[User], *, viewer) -> list[MemberCard]:
    """Cards for users fetched with member_card_queryset() (no queries here). Accounts with
    no profile row yet (bulk imports) show with the default visibility and nothing filled."""
    cards = []
    for user in users:
        profile = _loaded_profile(user)
        expertise = list(profile.expertise.all()) if profile is not None else []
        if profile is None:
            profile = Profile(user=user)
        cards.append(
            MemberCard(
                user=user,
                profile=profile,
                visible=visible_fields(viewer, profile),
                expertise=expertise,
            )
        )
    return cards


def member_card_queryset(prefix: str = "") -> tuple[list[str], list[Prefetch]]:
    """select_related and prefetch_related arguments that member_cards() relies on."""
    return (
        [f"{prefix}profile"],
        [
            Prefetch(
                f"{prefix}profile__expertise",
                queryset=ExpertiseTag.objects.only("id", "name", "slug"),
            )
        ],
    )


def directory_group_choices(viewer) -> list[tuple[str, str]]:
    """(slug, name) of the groups the directory may filter by: only those whose member list
    the viewer may see (members.permissions.groups_with_visible_members). Filtering by a
    group *is* its member list, so seeing a listed group is not enough: neither a hidden
    group's slug nor another group's roster is offered to anyone else."""
    return list(
        groups_with_visible_members(viewer)
        .order_by("group__name")
        .values_list("slug", "group__name")
    )


# ---------------------------------------------------------------------------------------
# Sorts: a registry, so the forums can replace "helpful" with a richer measure (or add
# sorts) with directory_sort_register(), and the form offers whatever is registered.


@dataclass(frozen=True)
class DirectorySort:
    key: str
    label: str
    apply: Callable[..., QuerySet]  # (queryset, *, viewer) -> ordered queryset
    help_text: str = ""  # shown under the sort menu: what the order means, when it is not obvious


DIRECTORY_SORTS: dict[str, DirectorySort] = {}
DIRECTORY_DEFAULT_SORT = "name"


def directory_sort_register(key: str, label: str, *, help_text: str = ""):
    def register(function: Callable[..., QuerySet]) -> Callable[..., QuerySet]:
        DIRECTORY_SORTS[key] = DirectorySort(
            key=key, label=label, apply=function, help_text=help_text
        )
        return function

    return register


@directory_sort_register("name", "Name")
def directory_sort_by_name(queryset: QuerySet, *, viewer) -> QuerySet:
    return queryset.alias(sort_name=sort_name()).order_by("sort_name", "pk")


@directory_sort_register("newest", "Newest")
def directory_sort_by_newest(queryset: QuerySet, *, viewer) -> QuerySet:
    return queryset.order_by("-date_joined", "-pk")


@directory_sort_register("active", "Most active")
def directory_sort_by_activity(queryset: QuerySet, *, viewer) -> QuerySet:
    # Sorting by a date someone hid would reveal it by position: hidden ones sort last, the
    # viewer's own included, so that the order is the same for every member and the pages
    # they share (members.page_cache) fit together with those rendered for them alone.
    return queryset.alias(
        activity=Case(When(field_visible_q(viewer, "last_seen", own=False), then=F("last_seen_at")))
    ).order_by(F("activity").desc(nulls_last=True), "-pk")


@directory_sort_register(
    "helpful",
    "Most helpful",
    help_text=(
        "Most helpful: reactions and accepted answers received in the last 90 days, "
        "updated nightly."
    ),
)
def directory_sort_by_helpfulness(queryset: QuerySet, *, viewer) -> QuerySet:
    # The score is stored on the member (members.services.trust.helpfulness_recompute, run
    # nightly), so this walks members_user_helpful_idx like the name sort walks its own
    # index. Counting support acts per request cost ~400 ms on 100,000 members.
    return queryset.alias(sort_name=sort_name()).order_by("-helpful_score", "sort_name", "pk")


# ---------------------------------------------------------------------------------------
# Search and filters


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    group: str = ""  # group profile slug
    trust_level: int | None = None
    tag: str = ""  # expertise tag slug
    company: str = ""
    sort: str = DIRECTORY_DEFAULT_SORT


def _search_terms(q: str) -> list[str]:
    return q.split()[:SEARCH_MAX_TERMS]


def _term_matches(term: str, *, viewer, fields: tuple[str, ...]) -> QuerySet:
    """Ids of members that one search word matches: a name, or one of the profile `fields`
    the viewer may see. A UNION of one indexed lookup per table: an OR across the user and
    profile tables would keep PostgreSQL from using the trigram indexes (a full scan per
    search)."""
    profiles = Profile.objects.all()
    return (
        User.objects.filter(Q(username__icontains=term) | Q(display_name__icontains=term))
        .values("pk")
        .union(
            *(
                profiles.filter(
                    Q(**{f"{field}__icontains": term})
                    & field_visible_q(viewer, field, profile_prefix="")
                ).values("user_id")
                for field in fields
            ),
            profiles.filter(
                Q(expertise__name__icontains=term)
                & field_visible_q(viewer, "expertise", profile_prefix="")
            ).values("user_id"),
            all=True,
        )
    )


def member_directory_filter(
    *, viewer, query: DirectoryQuery, search_fields: tuple[str, ...] = DIRECTORY_SEARCH_FIELDS
) -> QuerySet[User]:
    """Listed members matching `query`'s search and filters, unsorted (what a count needs).
    Every search word must match a name or one of the `search_fields` the viewer may see.
    The caller checks can_browse_members(viewer) first."""
    members = User.objects.filter(community_member_q())
    for term in _search_terms(query.q):
        members = members.filter(pk__in=_term_matches(term, viewer=viewer, fields=search_fields))
    if query.trust_level is not None:
        members = members.filter(trust_level=query.trust_level)
    if query.company:
        members = members.filter(
            Q(profile__company__iexact=query.company.strip()) & field_visible_q(viewer, "company")
        )
    if query.tag:
        members = members.filter(
            Exists(
                Profile.expertise.through.objects.filter(
                    profile_id=OuterRef("pk"), expertisetag__slug=query.tag
                )
            )
            & field_visible_q(viewer, "expertise")
        )
    if query.group:
        # The slug is checked against the groups whose member list this viewer may see, in
        # the same query: guessing a hidden group's slug, or filtering by a listed group one
        # is not in, finds nobody (the form already drops both with "There is no such group").
        groups = groups_with_visible_members(viewer).filter(slug=query.group)
        members = members.filter(
            Exists(
                User.groups.through.objects.filter(
                    user_id=OuterRef("pk"), group_id__in=groups.values("group_id")
                )
            )
        )
    return members


def member_directory_list(
    *, viewer, query: DirectoryQuery, filtered: QuerySet[User] | None = None
) -> QuerySet[User]:
    """Listed members matching `query`, sorted, ready for member_cards() (one query for the
    page, one for its expertise tags). Pass `filtered` when the caller already built
    member_directory_filter() for the same query."""
    if filtered is None:
        filtered = member_directory_filter(viewer=viewer, query=query)
    select, prefetch = member_card_queryset()
    sort = DIRECTORY_SORTS.get(query.sort) or DIRECTORY_SORTS[DIRECTORY_DEFAULT_SORT]
    return sort.apply(filtered.select_related(*select), viewer=viewer).prefetch_related(*prefetch)


def member_search(*, viewer, words: list[str]) -> tuple[QuerySet[User], QuerySet[User]]:
    """The site search's members: listed members (as the directory lists them) matched by
    every one of `words` in their name, username or a profile field the viewer may see,
    the bio included ("only me" fields never match for anyone else). Returns the filtered
    members (for the count) and the same sorted by name with their profiles (for a page).
    The caller checks can_browse_members(viewer) first."""
    query = DirectoryQuery(q=" ".join(words))
    filtered = member_directory_filter(viewer=viewer, query=query, search_fields=SITE_SEARCH_FIELDS)
    ordered = directory_sort_by_name(filtered.select_related("profile"), viewer=viewer)
    return filtered, ordered
