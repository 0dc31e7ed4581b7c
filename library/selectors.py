"""Reads for the library's pages, already filtered by what the viewer may see
(library.permissions) and joined, so a page issues a fixed number of queries whatever it
lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils.safestring import SafeString

from community.db import QueryTimedOut, time_limited
from community.markdown import html_to_text
from community.per_request import per_request
from forums.models import Post, ReactionKind, Tag, Topic
from forums.permissions import (
    can_view_topic,
    reach_fingerprint,
    tags_visible_to,
    visible_topics,
)
from forums.selectors.search import (
    MARK_START,
    SEARCH_CONFIG,
    SEARCH_TIMEOUT_MS,
    SearchTooBroad,
    StoredSearchVector,
    excerpt_html,
    fallback_words,
    marked_html,
    search_headline,
    words_marked_html,
)
from forums.selectors.topic import ReactionBar, ReactionCount
from library.engagement import (
    discussion_category_for,
    discussion_refusal,
    discussion_topic_for,
)
from library.engagement import reaction_refusal as engagement_reaction_refusal
from library.models import (
    Collection,
    CollectionItem,
    Credit,
    FileVersion,
    LibraryAccess,
    Resource,
    ResourceReaction,
)
from library.permissions import (
    resource_reach_fingerprint,
    visible_collections,
    visible_resources,
)

HOME_COLLECTIONS = 12
HOME_RESOURCES = 30
COLLECTION_RESOURCES = 200
RESOURCE_VERSIONS = 50


def _tags(viewer) -> Prefetch:
    # A tag made only for a private forum category would name what is inside it.
    return Prefetch("tags", queryset=tags_visible_to(viewer).only("id", "name", "slug"))


def resource_list(*, viewer) -> QuerySet[Resource]:
    """Resources `viewer` may see, newest first, with owner and visible tags."""
    return (
        visible_resources(viewer)
        .select_related("owner")
        .prefetch_related(_tags(viewer))
        .order_by("-is_featured", "-created_at")
    )


def collection_list(*, viewer) -> QuerySet[Collection]:
    """Collections `viewer` may see, featured first."""
    return visible_collections(viewer).order_by("-is_featured", "title")


@dataclass(frozen=True)
class LibraryHome:
    collections: list[Collection]
    resources: list[Resource]


def library_home(*, viewer) -> LibraryHome:
    return LibraryHome(
        collections=list(collection_list(viewer=viewer)[:HOME_COLLECTIONS]),
        resources=list(resource_list(viewer=viewer).order_by("-created_at")[:HOME_RESOURCES]),
    )


def collection_resources(*, collection: Collection, viewer) -> list[Resource]:
    """The resources of `collection` that `viewer` may see, in the collection's order: a
    private resource stays hidden from outsiders even inside a collection they see."""
    items = (
        CollectionItem.objects.filter(collection=collection, resource__in=visible_resources(viewer))
        .select_related("resource__owner")
        .prefetch_related(
            Prefetch("resource__tags", queryset=tags_visible_to(viewer).only("id", "name", "slug"))
        )
        .order_by("position", "pk")[:COLLECTION_RESOURCES]
    )
    return [item.resource for item in items]


def resources_by_tag(*, tag: Tag, viewer) -> QuerySet[Resource]:
    return resource_list(viewer=viewer).filter(tags=tag)


@dataclass(frozen=True)
class ResourcePage:
    resource: Resource
    versions: list[FileVersion]
    tags: list[Tag]
    source_topics: list[Topic]
    collections: list[Collection]


def resource_page(*, resource: Resource, viewer) -> ResourcePage:
    """What the resource page shows besides the resource (one the viewer may see): its file
    versions, newest first; its visible tags, source topics and collections."""
    versions = list(
        FileVersion.objects.filter(resource=resource)
        .select_related("uploaded_by")
        .order_by("-number")[:RESOURCE_VERSIONS]
    )
    tags = list(tags_visible_to(viewer).filter(library_resources=resource).only("name", "slug"))
    topics = list(
        visible_topics(viewer)
        .filter(library_resources=resource)
        .only("id", "title", "slug", "category_id")
        .order_by("-created_at")[:20]
    )
    collections = list(collection_list(viewer=viewer).filter(resources=resource)[:20])
    return ResourcePage(resource, versions, tags, topics, collections)


# --- Community around a resource ------------------------------------------------------------

RESOURCE_COMMENTS = 5
PROFILE_RESOURCES = 5
FEATURED_COLLECTIONS = 3
FEATURED_RESOURCES_PER_COLLECTION = 2


def reaction_bar(*, resource: Resource, viewer) -> ReactionBar:
    """Every reaction kind with its count on `resource` and whether `viewer` gave it: one
    grouped query."""
    chosen = Count("pk", filter=Q(user_id=viewer.pk)) if viewer.is_authenticated else None
    rows = (
        ResourceReaction.objects.filter(resource=resource)
        .values("kind")
        .annotate(count=Count("pk"), **({"chosen": chosen} if chosen is not None else {}))
        .order_by()
    )
    tally = {row["kind"]: row for row in rows}
    counts = []
    for kind, label in ReactionKind.choices:
        emoji, _, name = label.partition(" ")
        row = tally.get(kind, {})
        counts.append(
            ReactionCount(
                kind=kind,
                emoji=emoji,
                name=name,
                count=row.get("count", 0),
                chosen=bool(row.get("chosen")),
            )
        )
    can_react = viewer.is_authenticated and engagement_reaction_refusal(viewer, resource) is None
    return ReactionBar(post_id=resource.pk, counts=counts, can_react=can_react)


@dataclass(frozen=True)
class Comments:
    topic: Topic | None  # None: no comments yet, or the viewer may not read them
    latest: list[Post]  # oldest first, at most RESOURCE_COMMENTS
    count: int
    closed_reason: str | None  # why nobody can comment here, or None


def resource_comments(*, resource: Resource, viewer) -> Comments:
    """The latest comments the viewer may read: those of the resource's discussion topic,
    only when the viewer may see that topic (forums.permissions)."""
    topic = discussion_topic_for(resource)
    if topic is None:
        category = discussion_category_for(resource)
        refusal = None
        # The default category is made on the first comment: its absence closes nothing.
        if category is not None or resource.access == LibraryAccess.PRIVATE:
            refusal = discussion_refusal(resource, category)
        return Comments(None, [], 0, refusal)
    if not can_view_topic(viewer, topic):
        return Comments(None, [], 0, None)
    latest = list(
        Post.objects.filter(topic=topic, is_hidden=False).order_by("-created_at", "-pk")[
            :RESOURCE_COMMENTS
        ]
    )
    latest.reverse()
    return Comments(topic, latest, topic.reply_count + 1, None)


def resource_credits(*, resource: Resource) -> list[Credit]:
    return list(resource.credits.select_related("member").order_by("pk"))


def resources_credited_to(*, member, viewer) -> list[Resource]:
    """The resources crediting `member` that `viewer` may see, newest first."""
    return list(
        visible_resources(viewer)
        .filter(credits__member=member)
        .only("id", "title", "slug", "kind", "summary", "created_at")
        .order_by("-created_at", "-pk")
        .distinct()[:PROFILE_RESOURCES]
    )


def featured_collections(*, viewer) -> list[tuple[Collection, list[Resource]]]:
    """Featured collections `viewer` may see, each with its newest resources they may see:
    two queries whatever the library holds."""
    collections = list(
        visible_collections(viewer)
        .filter(is_featured=True)
        .order_by("title")[:FEATURED_COLLECTIONS]
    )
    if not collections:
        return []
    items = (
        CollectionItem.objects.filter(
            collection__in=collections, resource__in=visible_resources(viewer)
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("collection_id")],
                order_by=[F("resource__created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=FEATURED_RESOURCES_PER_COLLECTION)
        .select_related("resource")
        .order_by("collection_id", "rank")
    )
    newest: dict[int, list[Resource]] = {}
    for item in items:
        newest.setdefault(item.collection_id, []).append(item.resource)
    return [(collection, newest.get(collection.pk, [])) for collection in collections]


# --- Search ---------------------------------------------------------------------------------
# The site search's library results: resources the viewer may see (visible_resources)
# matched by title, summary, an article's text and their visible tags. The engine is the
# forums' (forums.selectors.search): PostgreSQL full-text with websearch syntax, the same
# highlighting and time limit, and an icontains scan on SQLite.

RESOURCE_RESULTS_PER_PAGE = 20
SNIPPET_WORDS = {"max_words": 35, "min_words": 15}
# A word in more resources than this finds the best of its most recent matches (the count
# shows "500+"), as the forums' search ranks a bounded set of posts: its cost stops growing
# with the library.
RANKED_RESOURCES = 500
# The library's version keys a cached search; this bounds what moves without saving a
# resource: a renamed or re-restricted tag, a resource deleted in the admin.
LIBRARY_SEARCH_SECONDS = 60


@dataclass
class ResourceHit:
    resource: Resource
    title_html: SafeString
    snippet_html: SafeString
    tags: list[Tag] = field(default_factory=list)  # those the viewer may see


def _hit_tags(resource: Resource) -> list[Tag]:
    """The prefetched tags as a plain list, the prefetch dropped: a cached hit must pickle,
    and the prefetch's queryset (its query names the tag's restriction table) does not."""
    tags = list(resource.tags.all())
    resource._prefetched_objects_cache = {}
    return tags


@dataclass
class ResourceResults:
    page: Page
    hits: list[ResourceHit] = field(default_factory=list)
    # More matched than RANKED_RESOURCES: `count` is a lower bound.
    capped: bool = False

    @property
    def count(self) -> int:
        return self.page.paginator.count


class _Ranked(NamedTuple):
    ids: list[int]  # best first
    capped: bool


def library_version() -> str:
    """What a cached library search is valid for: the newest change to any resource (one
    index read, once per request). The services save a resource for every change a search
    shows (its text, tags, access) and a new file version touches it."""
    return per_request("library:version", _library_version)


def _library_version() -> str:
    newest = Resource.objects.order_by().aggregate(newest=Max("updated_at"))["newest"]
    return str(newest.timestamp()) if newest else "-"


def _search_key(viewer, text: str, *parts) -> str:
    """A cached library search: the words (as PostgreSQL reads them: case does not matter),
    the library's version, which resources the viewer may see
    (library.permissions.resource_reach_fingerprint) and which tags (the forums' reach: a
    tag restricted to categories decides whether it matches and shows)."""
    digest = hashlib.blake2b(text.lower().encode(), digest_size=12).hexdigest()
    return ":".join(
        (
            "library:search",
            settings.RELEASE_ID,
            library_version(),
            resource_reach_fingerprint(viewer),
            reach_fingerprint(viewer),
            digest,
            *map(str, parts),
        )
    )


def resource_search(
    *, viewer, text: str, page: int | str | None, per_page: int = RESOURCE_RESULTS_PER_PAGE
) -> ResourceResults:
    """One page of the resources matching `text` that `viewer` may see, best first, each
    with its title and a snippet highlighted (text from the rendered article or the summary,
    never Markdown). On PostgreSQL the ranked ids and each page of hits are cached for
    everyone who sees the same resources and tags, until a resource changes (the library's
    version): a page costs the version alone when cached, else the ranking (two queries)
    and the page's hits (two). Raises SearchTooBroad past the time limit."""
    if not text:
        return ResourceResults(page=Paginator(Resource.objects.none(), per_page).get_page(1))
    if connection.vendor != "postgresql":
        return _resource_search_scan(viewer, text, page, per_page)
    try:
        return _resource_search_cached(viewer, text, page, per_page)
    except QueryTimedOut as exc:
        raise SearchTooBroad from exc


def _visible_tag_names(viewer, **lookup):
    return tags_visible_to(viewer).filter(**lookup)


def _resource_search_cached(viewer, text, page, per_page) -> ResourceResults:
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    ranks_key = _search_key(viewer, text, "ranks")
    ranked = cache.get(ranks_key)
    if ranked is None:
        ranked = time_limited(
            lambda: _resources_ranked(viewer, text, query), milliseconds=SEARCH_TIMEOUT_MS
        )
        cache.set(ranks_key, ranked, LIBRARY_SEARCH_SECONDS)
    result_page = Paginator(ranked.ids, per_page).get_page(page)
    hits_key = _search_key(viewer, text, "hits", result_page.number, per_page)
    hits = cache.get(hits_key)
    if hits is None:
        ids = list(result_page.object_list)
        hits = time_limited(
            lambda: _resource_hits(viewer, ids, query), milliseconds=SEARCH_TIMEOUT_MS
        )
        cache.set(hits_key, hits, LIBRARY_SEARCH_SECONDS)
    result_page.object_list = hits
    return ResourceResults(page=result_page, hits=hits, capped=ranked.capped)


def _lexemes(expression) -> Func:
    return Func(
        SearchVector(expression, config=SEARCH_CONFIG),
        function="tsvector_to_array",
        output_field=ArrayField(TextField()),
    )


def _tagged_resource_ids(viewer, text: str) -> list[int]:
    """Resources carrying a tag the viewer may see whose name holds one of the searched
    words (a superset of those whose tags help them match): one small query."""
    tags = tags_visible_to(viewer).alias(words=_lexemes("name"))
    tags = tags.filter(words__overlap=_lexemes(Value(text)))
    return list(
        Resource.tags.through.objects.filter(tag_id__in=tags.values("pk"))
        .values_list("resource_id", flat=True)
        .distinct()
    )


def _resources_ranked(viewer, text: str, query: SearchQuery) -> _Ranked:
    """The matching resources' ids, best first, ties to the newest. A resource matches on
    its stored vector (title A, summary B, body C) joined with the names of its tags the
    viewer may see (B). Only candidates are joined and ranked: those whose stored vector
    matches, through its GIN index (library/migrations/0007_resource_search_index.py), and
    those carrying a visible tag that holds a searched word. Every resource whose joined
    vector matches is one of them: without such a tag the tags add none of the query's
    words. At most RANKED_RESOURCES + 1 of the most recent are ranked."""
    tagged = _tagged_resource_ids(viewer, text)
    candidates = Q(stored=query)
    if tagged:
        candidates |= Q(pk__in=tagged)
    tag_text = Func(
        ArraySubquery(_visible_tag_names(viewer, library_resources=OuterRef("pk")).values("name")),
        Value(" "),
        function="ARRAY_TO_STRING",
        output_field=TextField(),
    )
    document = StoredSearchVector("title") + SearchVector(
        tag_text, config=SEARCH_CONFIG, weight="B"
    )
    rows = list(
        visible_resources(viewer)
        .alias(stored=StoredSearchVector("title"))
        .filter(candidates)
        .alias(document=document)
        .filter(document=query)
        .annotate(rank=SearchRank(F("document"), query))
        .order_by("-created_at", "-pk")
        .values_list("pk", "rank", "created_at")[: RANKED_RESOURCES + 1]
    )
    capped = len(rows) > RANKED_RESOURCES
    rows = rows[:RANKED_RESOURCES]
    rows.sort(key=lambda row: (-row[1], -row[2].timestamp(), -row[0]))
    return _Ranked([pk for pk, _rank, _created in rows], capped)


def _resource_hits(viewer, ids: list[int], query: SearchQuery) -> list[ResourceHit]:
    """The hits for `ids`, in that order: the resources with their visible tags and
    highlighted title and snippet, in two queries. No member row rides along into the
    cache."""
    if not ids:
        return []
    found = (
        Resource.objects.filter(pk__in=ids)
        .annotate(
            title_headline=search_headline(F("title"), query, highlight_all=True),
            summary_headline=search_headline(F("summary"), query, **SNIPPET_WORDS),
            body_headline=search_headline(F("html"), query, html=True, **SNIPPET_WORDS),
        )
        .defer("body", "html")
        .prefetch_related(_tags(viewer))
    )
    by_pk = {resource.pk: resource for resource in found}
    hits = []
    for pk in ids:
        resource = by_pk.get(pk)
        if resource is None:  # deleted since it was ranked
            continue
        summary = resource.summary_headline or ""
        body = html_to_text(resource.body_headline or "")
        # The summary is the curated description: shown when it holds the words, else the
        # article's passage that does, else whichever text there is.
        if MARK_START in summary or not (MARK_START in body or not summary):
            snippet = marked_html(summary)
        else:
            snippet = marked_html(body)
        hits.append(
            ResourceHit(
                resource=resource,
                title_html=marked_html(resource.title_headline or resource.title),
                snippet_html=snippet,
                tags=_hit_tags(resource),
            )
        )
    return hits


def _resource_search_scan(viewer, text, page, per_page) -> ResourceResults:
    """SQLite: every word in the title, summary, article or a visible tag's name; title
    matches first, then the newest."""
    words = fallback_words(text)
    matches, in_title = Q(), Q()
    for word in words:
        tagged = Exists(
            _visible_tag_names(viewer, library_resources=OuterRef("pk"), name__icontains=word)
        )
        matches &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(body__icontains=word)
            | Q(tagged)
        )
        in_title &= Q(title__icontains=word)
    resources = (
        visible_resources(viewer)
        .filter(matches)
        .annotate(title_match=Case(When(in_title, then=Value(1)), default=Value(0)))
        .order_by("-title_match", "-created_at", "-pk")
        .defer("body")
        .prefetch_related(_tags(viewer))
    )
    result_page = Paginator(resources, per_page).get_page(page)
    hits = []
    for resource in result_page.object_list:
        body = html_to_text(resource.html)
        # As on PostgreSQL: the summary when it holds a word, else the article's passage
        # that does, else whichever text there is.
        if _holds_a_word(resource.summary, words) or not (
            _holds_a_word(body, words) or not resource.summary
        ):
            source = resource.summary
        else:
            source = body
        hits.append(
            ResourceHit(
                resource=resource,
                title_html=words_marked_html(resource.title, words),
                snippet_html=excerpt_html(source, words),
                tags=_hit_tags(resource),
            )
        )
    result_page.object_list = hits
    return ResourceResults(page=result_page, hits=hits)


def _holds_a_word(text: str, words: list[str]) -> bool:
    lowered = text.lower()
    return any(word.lower() in lowered for word in words)
