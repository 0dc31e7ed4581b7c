"""Forum search: topic titles and post bodies, one hit per topic, permission-filtered in SQL.

PostgreSQL: full-text search (websearch syntax: words, "quoted phrases", -excluded, or),
ranked with the title weighted above the body, snippets from the best post highlighted by
ts_headline. Titles are matched on exactly the expression of their GIN index, bodies on
the stored `search_vector` column and its GIN index (forums/migrations/0004_search_indexes.py),
so a search reads the indexes rather than every post (docs/search.md has the EXPLAIN output).

SQLite (development): every word must appear (icontains) in the title or in one post;
title matches first, then recent activity; plain snippets.

Snippets come from the rendered HTML as text (community.markdown.html_to_text): what the
reader sees, never the Markdown syntax (** or code fences).

PostgreSQL ranks a bounded set of candidates, not every match: the RANKED_POSTS most recent
matching posts and the RANKED_TITLES most recently active topics whose title matches, found
through the indexes, ranked by ts_rank in the same statement. A word in half the posts then
costs about what a rarer one does, at 200,000 posts as at 1,000,000 (docs/search.md says
what a searcher notices). The ranked ids, and each page of hits, are cached per search,
reach and forum version (forums.page_cache.lists.list_version), so every searcher who may
see the same topics shares them until a service changes a topic.

Either way a page costs a fixed number of queries: the ranking, the page of topics, and one
query for the 20 snippets; none of them when the page is cached.

What can match: visible topics (forums.permissions.visible_topics) and their visible posts;
hidden posts only for the moderators of their category, who see them on the topic page too."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorCombinable,
    SearchVectorField,
)
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Expression,
    F,
    FloatField,
    Max,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Length, Lower, Replace, RowNumber
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from community.db import QueryTimedOut, time_limited
from community.markdown import html_to_text
from community.per_request import per_request
from forums.models import Category, Post, Topic
from forums.models import SearchQuery as SearchLog
from forums.page_cache.keys import page_key
from forums.permissions import (
    MODERATE_CATEGORY,
    moderated_categories,
    reach_fingerprint,
    visible_topics,
)

# Must equal the configuration of the indexes in forums/migrations/0004_search_indexes.py.
SEARCH_CONFIG = "english"
RESULTS_PER_PAGE = 20
QUERY_MAX_LENGTH = 200
# ts_rank's weights A (titles) and B (bodies): a title that matches says more about what a
# topic is about than a reply that mentions the word. ts_rank of a body saturates below 1,
# so a body-only match stays under 0.4 and any title that holds a single searched word
# (about 0.6) ranks above it; a topic whose title and posts both match adds the two.
TITLE_WEIGHTS = [1.0] * 4
BODY_WEIGHTS = [0.4] * 4
# SQLite: at most this many words are each looked for (each one is a LIKE over the posts).
FALLBACK_MAX_WORDS = 8
SNIPPET_CHARS = 240
# Longest a search may run on PostgreSQL before the member is asked to narrow it: with the
# candidates bounded, only a pathological query (a phrase of very common words) gets there.
SEARCH_TIMEOUT_MS = 4000
# What PostgreSQL ranks for one search: the most recent matching posts (newest first, by
# id) and the most recently active topics whose title matches. Below these every match is
# ranked, as before; a word found more often than that is ranked among its most recent
# matches only, so its cost does not grow with the forum.
RANKED_POSTS = 500
RANKED_TITLES = 100
# How long a search's ranks and hits are kept: the forum's version keys them, so this only
# bounds what moves without touching a topic (a member's new display name on a hit).
SEARCH_CACHE_SECONDS = 60

# Sentinels ts_headline puts around matches; the snippet is escaped and only they become
# <mark>. Private-use characters, and removed from the text first, so a post can't forge them.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
# ts_headline drops what looks like an HTML tag; these stand in for < and > so the snippet
# shows what the member wrote (escaped), like the post itself does.
LESS_THAN = "\ue002"
GREATER_THAN = "\ue003"
_MARKS = re.compile(f"({MARK_START}|{MARK_STOP})")
_ANGLE_BRACKETS = str.maketrans({LESS_THAN: "<", GREATER_THAN: ">"})
FRAGMENT_DELIMITER = " … "


@dataclass(frozen=True)
class SearchCriteria:
    """What to search for. `text` is already normalised (search_text_normalize); the
    category must be one the viewer may see (the search form offers only those)."""

    text: str
    category: Category | None = None
    author: str = ""  # username, any case
    tag: str = ""  # tag slug
    after: date | None = None  # written on or after
    before: date | None = None  # written on or before
    solved: bool | None = None

    def filters(self) -> dict[str, str | bool]:
        """The filters in use, for the search log (JSON)."""
        values = {
            "category": self.category.slug if self.category else "",
            "author": self.author,
            "tag": self.tag,
            "after": self.after.isoformat() if self.after else "",
            "before": self.before.isoformat() if self.before else "",
            "solved": self.solved,
        }
        return {key: value for key, value in values.items() if value not in ("", None)}


@dataclass
class SearchHit:
    topic: Topic
    post: Post | None  # the best matching visible post, else the opening post (if visible)
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResults:
    page: Page
    hits: list[SearchHit] = field(default_factory=list)
    # More matched than was ranked (RANKED_POSTS, RANKED_TITLES): `count` is a lower bound.
    capped: bool = False

    @property
    def count(self) -> int:
        return self.page.paginator.count


def search_text_normalize(text: str) -> str:
    """Whitespace collapsed and control characters dropped: what is searched and logged."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


class SearchTooBroad(QueryTimedOut):
    """The search matched so much that ranking it took longer than SEARCH_TIMEOUT_MS."""


def topic_search(
    *,
    viewer,
    criteria: SearchCriteria,
    page: int | str | None,
    per_page: int = RESULTS_PER_PAGE,
) -> SearchResults:
    """One page (`per_page`) of the topics matching `criteria` that `viewer` may see, best
    first, each with its best post and a highlighted snippet. An empty text finds nothing.
    On PostgreSQL raises SearchTooBroad when the queries run past SEARCH_TIMEOUT_MS."""
    if not criteria.text:
        return SearchResults(page=Paginator(Topic.objects.none(), per_page).get_page(1))
    if not _uses_postgres():
        return _FallbackSearch(viewer, criteria).results(page, per_page)
    try:
        return _PostgresSearch(viewer, criteria).cached_results(page, per_page)
    except QueryTimedOut as exc:
        raise SearchTooBroad from exc


def search_version() -> str:
    """What a cached search is valid for: the forum's list version (the newest change to any
    topic: services touch a topic's updated_at for a reply, an edit, hiding, a move, tags,
    an answer), read once per request however many parts of the page ask."""
    from forums.page_cache.lists import list_version

    return per_request("forums:search-version", list_version)


def search_cache_key(viewer, criteria: SearchCriteria, *parts) -> str:
    """A cached search's key: the words (as PostgreSQL reads them: case does not matter),
    the filters, the forum's version and who may see what (reach_fingerprint: the same for
    everyone who sees and moderates the same categories, so a private topic never reaches
    anyone outside its groups)."""
    filters = {
        **criteria.filters(),
        "author": criteria.author.lower(),
        "category": criteria.category.pk if criteria.category else "",
    }
    described = json.dumps([criteria.text.lower(), filters], sort_keys=True).encode()
    digest = hashlib.blake2b(described, digest_size=12).hexdigest()
    return page_key("search", search_version(), reach_fingerprint(viewer), digest, *parts)


class _Search:
    def __init__(self, viewer, criteria: SearchCriteria):
        self.viewer = viewer
        self.criteria = criteria

    # What every backend shares: which topics and posts are candidates at all.

    def topics(self) -> QuerySet[Topic]:
        topics = visible_topics(self.viewer)
        c = self.criteria
        if c.category is not None:
            topics = topics.filter(Q(category=c.category) | Q(category__parent=c.category))
        if c.tag:
            topics = topics.filter(tags__slug=c.tag)
        if c.solved is not None:
            topics = topics.filter(accepted_answer__isnull=not c.solved)
        return topics

    def written(self, prefix: str = "") -> Q:
        """Author and date filters, applied to what matched: a post, or a topic's title
        (its author and start date)."""
        c = self.criteria
        condition = Q()
        if c.author:
            condition &= Q(**{f"{prefix}author__username__iexact": c.author})
        if c.after:
            condition &= Q(**{f"{prefix}created_at__gte": _day_start(c.after)})
        if c.before:
            condition &= Q(**{f"{prefix}created_at__lt": _day_start(c.before + timedelta(days=1))})
        return condition

    def posts(self) -> QuerySet[Post]:
        """Posts the viewer may see (their topics are filtered by the outer query)."""
        user = self.viewer
        if user.is_authenticated and (user.is_superuser or user.has_perm(MODERATE_CATEGORY)):
            return Post.objects.all()
        shown = Q(is_hidden=False)
        if user.is_authenticated:
            shown |= Q(topic__category__in=moderated_categories(user))
        return Post.objects.filter(shown)

    def results(self, page, per_page: int = RESULTS_PER_PAGE) -> SearchResults:
        topics = self.ranked_topics()
        if isinstance(topics, QuerySet):
            topics = topics.select_related("category")
        result_page = Paginator(topics, per_page).get_page(page)
        hits = self.hits(list(result_page.object_list))
        result_page.object_list = hits
        return SearchResults(page=result_page, hits=hits)

    def hits(self, topic_list: list[Topic]) -> list[SearchHit]:
        best = self.best_posts([topic.pk for topic in topic_list])
        hits = []
        for topic in topic_list:
            post = best.get(topic.pk)
            hits.append(
                SearchHit(
                    topic=topic,
                    post=post,
                    title_html=self.title_html(topic, post),
                    snippet_html=self.snippet_html(post) if post else mark_safe(""),
                )
            )
        return hits

    def ranked_topics(self) -> QuerySet[Topic]:
        raise NotImplementedError

    def best_posts(self, topic_ids: list[int]) -> dict[int, Post]:
        raise NotImplementedError

    def title_html(self, topic: Topic, post: Post | None) -> SafeString:
        raise NotImplementedError

    def snippet_html(self, post: Post) -> SafeString:
        raise NotImplementedError


class _RankedTopics(Sequence):
    """Topic ids in rank order that a Paginator pages through; a page's slice loads its
    topics (with their categories) in one query."""

    def __init__(self, ids: list[int], capped: bool = False):
        self.ids = ids
        self.capped = capped

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        ids = self.ids[index] if isinstance(index, slice) else [self.ids[index]]
        by_pk = Topic.objects.select_related("category").in_bulk(ids)
        topics = [by_pk[pk] for pk in ids if pk in by_pk]
        return topics if isinstance(index, slice) else topics[0]


class StoredSearchVector(SearchVectorCombinable, Expression):
    """A table's `search_vector`: a tsvector in a stored generated column that PostgreSQL
    keeps (forums_post's in forums/migrations/0004_search_indexes.py, the library's
    resources' in library/migrations/0005_resource_search_vector.py). It is not a model
    field, so it is reached through the table alias of a real column (`anchor`), whatever
    Django names the table in a subquery. Combinable with SearchVector (`+`)."""

    output_field = SearchVectorField()
    config = None  # the stored vector carries its own; for SearchVectorCombinable

    def __init__(self, anchor: str = "body"):
        super().__init__()
        self.anchor_name = anchor
        self.anchor = F(anchor)

    def get_source_expressions(self):
        return [self.anchor]

    def set_source_expressions(self, exprs):
        (self.anchor,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.anchor)
        table, _dot, column = sql.rpartition(".")
        if column != connection.ops.quote_name(self.anchor_name):
            raise ValueError(f"Unexpected {self.anchor_name} column {sql!r}")
        return f"{table}.{connection.ops.quote_name('search_vector')}", params


class _PostgresSearch(_Search):
    def __init__(self, viewer, criteria):
        super().__init__(viewer, criteria)
        self.query = SearchQuery(criteria.text, config=SEARCH_CONFIG, search_type="websearch")

    def matching_posts(self) -> QuerySet[Post]:
        return (
            self.posts()
            .alias(body_vector=StoredSearchVector())
            .filter(self.written(), body_vector=self.query)
        )

    def title_condition(self) -> Q:
        return Q(title_vector=self.query) & self.written()

    def cached_results(self, page, per_page: int) -> SearchResults:
        """results(), from the cache when anyone of the same reach ran this search since the
        forum last changed: the ranked ids (shared by every page and by "All"), and each
        page's hits with their snippets. Only what is computed runs under the time limit."""
        ranks_key = search_cache_key(self.viewer, self.criteria, "ranks")
        ranked = cache.get(ranks_key)
        if ranked is None:
            ranked = self.time_limited(self.ranked_topics)
            cache.set(ranks_key, ranked, SEARCH_CACHE_SECONDS)
        # Paged by id: a page whose hits are cached loads no topic.
        result_page = Paginator(ranked.ids, per_page).get_page(page)
        hits_key = search_cache_key(
            self.viewer, self.criteria, "hits", result_page.number, per_page
        )
        hits = cache.get(hits_key)
        if hits is None:
            page_topics = _RankedTopics(list(result_page.object_list))
            hits = self.time_limited(lambda: self.hits(page_topics[:]))
            cache.set(hits_key, hits, SEARCH_CACHE_SECONDS)
        result_page.object_list = hits
        return SearchResults(page=result_page, hits=hits, capped=ranked.capped)

    @staticmethod
    def time_limited(function):
        return time_limited(function, milliseconds=SEARCH_TIMEOUT_MS)

    def ranked_topics(self) -> _RankedTopics:
        """The candidates' ranks: a topic's title rank (when the title matches) plus the rank
        of its best matching post among the candidates, ties to recent activity. One
        statement: the RANKED_TITLES most recently active topics whose title matches and the
        RANKED_POSTS most recent matching posts, each found through its GIN index (or, for a
        word in a large share of the posts, by walking the newest posts until enough match:
        PostgreSQL picks whichever reads less), ts_rank computed for those rows only."""
        topics = self.topics().alias(title_vector=SearchVector("title", config=SEARCH_CONFIG))
        title_rows = (
            topics.filter(self.title_condition())
            .annotate(
                rank=SearchRank(F("title_vector"), self.query, weights=TITLE_WEIGHTS),
                from_title=Value(True),
            )
            .order_by("-last_post_at", "-pk")
            .values_list("pk", "last_post_at", "rank", "from_title")[:RANKED_TITLES]
        )
        post_rows = (
            self.matching_posts()
            .filter(topic__in=self.topics())
            .annotate(
                rank=SearchRank(F("body_vector"), self.query, weights=BODY_WEIGHTS),
                from_title=Value(False),
            )
            .order_by("-pk")
            .values_list("topic_id", "topic__last_post_at", "rank", "from_title")[:RANKED_POSTS]
        )
        ranks: dict[int, list] = {}  # pk: [title rank, best post rank, last_post_at]
        counted = {True: 0, False: 0}
        for pk, last_post_at, rank, from_title in title_rows.union(post_rows, all=True):
            counted[from_title] += 1
            entry = ranks.setdefault(pk, [0.0, 0.0, last_post_at])
            if from_title:
                entry[0] = rank
            else:
                entry[1] = max(entry[1], rank)
        ordered = sorted(
            ranks.items(),
            key=lambda item: (-(item[1][0] + item[1][1]), -item[1][2].timestamp(), -item[0]),
        )
        capped = counted[True] >= RANKED_TITLES or counted[False] >= RANKED_POSTS
        return _RankedTopics([pk for pk, _ in ordered], capped=capped)

    def best_posts(self, topic_ids: list[int]) -> dict[int, Post]:
        """Per topic the best-ranked matching post, else the opening post (a title-only
        match), with its highlighted snippet and title: one query."""
        if not topic_ids:
            return {}
        candidates = (
            self.posts()
            .filter(topic_id__in=topic_ids)
            .alias(body_vector=StoredSearchVector())
            .filter((Q(body_vector=self.query) & self.written()) | Q(is_opening=True))
            .annotate(
                rank=Case(
                    When(
                        Q(body_vector=self.query) & self.written(),
                        then=SearchRank(F("body_vector"), self.query, weights=BODY_WEIGHTS),
                    ),
                    default=Value(0.0),
                    output_field=FloatField(),
                )
            )
            .order_by("topic_id", "-rank", "-is_opening", "created_at", "pk")
            .distinct("topic_id")
            .values("pk")
        )
        posts = (
            Post.objects.filter(pk__in=Subquery(candidates))
            .annotate(
                # From the rendered HTML, whose tags ts_headline drops: the words a reader
                # sees, without the Markdown syntax of `body`.
                headline=search_headline(
                    F("html"), self.query, html=True, max_words=35, min_words=15
                ),
                title_headline=search_headline(F("topic__title"), self.query, highlight_all=True),
            )
            # The hit shows the post's own author_name: no member row rides along into the
            # cache (forums.selectors.search caches hits for everyone of the same reach).
            .defer("body", "html")
        )
        return {post.topic_id: post for post in posts}

    def title_html(self, topic: Topic, post: Post | None) -> SafeString:
        if post is not None:
            return marked_html(post.title_headline)
        return marked_html(topic.title)

    def snippet_html(self, post: Post) -> SafeString:
        # Entities (&amp;, &lt;) are still encoded: decoded here, then escaped by marked_html.
        return marked_html(html_to_text(post.headline))


def search_headline(expression, query, *, html: bool = False, **options):
    """ts_headline of `expression`, its matches between MARK_START and MARK_STOP for
    marked_html. Plain text (a title) keeps its angle brackets; rendered `html` loses its
    tags, which ts_headline drops (pass the result through html_to_text: entities stay)."""
    text = expression
    for removed in (MARK_START, MARK_STOP):
        text = Replace(text, Value(removed))
    if not html:
        text = Replace(Replace(text, Value("<"), Value(LESS_THAN)), Value(">"), Value(GREATER_THAN))
    return SearchHeadline(
        text,
        query,
        config=SEARCH_CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        max_fragments=2 if "max_words" in options else None,
        fragment_delimiter=FRAGMENT_DELIMITER,
        **options,
    )


class _FallbackSearch(_Search):
    """SQLite: a scan with LIKE, for development databases."""

    def __init__(self, viewer, criteria):
        super().__init__(viewer, criteria)
        self.words = fallback_words(criteria.text)

    def contains_all(self, field_name: str) -> Q:
        condition = Q()
        for word in self.words:
            condition &= Q(**{f"{field_name}__icontains": word})
        return condition

    def matching_posts(self) -> QuerySet[Post]:
        return self.posts().filter(self.contains_all("body"), self.written())

    def occurrences(self, field_name: str):
        """How many times the words occur in the field (a crude relevance)."""
        text = Lower(field_name)
        total = Value(0)
        for word in self.words:
            word = word.lower()
            removed = Length(text) - Length(Replace(text, Value(word)))
            total = total + removed / Value(len(word))
        return total

    def ranked_topics(self) -> QuerySet[Topic]:
        topics = self.topics()
        title_match = self.contains_all("title") & self.written()
        title_hits = topics.filter(title_match).values("pk")
        post_hits = self.matching_posts().values("topic_id")
        return (
            topics.filter(Q(pk__in=title_hits) | Q(pk__in=post_hits))
            .annotate(
                rank=Case(When(title_match, then=Value(1)), default=Value(0)),
            )
            .order_by("-rank", "-last_post_at", "-pk")
        )

    def best_posts(self, topic_ids: list[int]) -> dict[int, Post]:
        if not topic_ids:
            return {}
        match = self.contains_all("body") & self.written()
        candidates = (
            self.posts()
            .filter(Q(match) | Q(is_opening=True), topic_id__in=topic_ids)
            .annotate(
                matched=Case(When(match, then=self.occurrences("body")), default=Value(0)),
                row=Window(
                    RowNumber(),
                    partition_by=F("topic_id"),
                    order_by=[F("matched").desc(), F("created_at").asc(), F("pk").asc()],
                ),
            )
            .filter(row=1)
            .values("pk")
        )
        posts = Post.objects.filter(pk__in=Subquery(candidates)).select_related("author")
        return {post.topic_id: post for post in posts}

    def highlight(self, text: str) -> str:
        return words_marked(text, self.words)

    def title_html(self, topic: Topic, post: Post | None) -> SafeString:
        return marked_html(self.highlight(_unforgeable(topic.title)))

    def snippet_html(self, post: Post) -> SafeString:
        return excerpt_html(html_to_text(post.html), self.words)


def fallback_words(text: str) -> list[str]:
    """The words a scan without full-text search looks for: roughly the websearch syntax,
    quotes ignored, "-word" and "or" left out, at most FALLBACK_MAX_WORDS."""
    words = text.replace('"', " ").split()
    wanted = [w for w in words if not w.startswith("-") and w.lower() != "or"]
    return wanted[:FALLBACK_MAX_WORDS] or [text]


def words_marked(text: str, words: list[str]) -> str:
    """`text` with each occurrence of the words between the MARK_START/MARK_STOP sentinels."""
    alternatives = "|".join(re.escape(word) for word in words if word)
    if not alternatives:
        return text
    pattern = re.compile(alternatives, re.IGNORECASE)
    return pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}", text)


def excerpt_html(text: str, words: list[str], *, chars: int = SNIPPET_CHARS) -> SafeString:
    """A `chars` window of plain `text` around the first of the words, highlighted and
    escaped (marked_html): the snippet where PostgreSQL's ts_headline is not at hand."""
    text = _unforgeable(text)
    lowered = text.lower()
    found = [i for i in (lowered.find(w.lower()) for w in words if w) if i >= 0]
    start = max(0, min(found, default=0) - chars // 3)
    excerpt = text[start : start + chars]
    if start > 0:
        excerpt = "…" + excerpt
    if start + chars < len(text):
        excerpt += "…"
    return marked_html(words_marked(excerpt, words))


def _unforgeable(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_STOP, "")


def words_marked_html(text: str, words: list[str]) -> SafeString:
    """Plain `text` escaped, with each occurrence of the words in <mark>."""
    return marked_html(words_marked(_unforgeable(text), words))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def marked_html(text: str) -> SafeString:
    """`text` escaped, with the sentinel pairs turned into <mark> elements (always balanced,
    whatever the sentinels' order): the only markup a snippet can carry."""
    parts = []
    open_mark = False
    for piece in _MARKS.split(text or ""):
        if piece == MARK_START:
            if not open_mark:
                parts.append("<mark>")
                open_mark = True
        elif piece == MARK_STOP:
            if open_mark:
                parts.append("</mark>")
                open_mark = False
        elif piece:
            parts.append(str(escape(piece.translate(_ANGLE_BRACKETS))))
    if open_mark:
        parts.append("</mark>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


# --- For metrics: what searches found and whether anyone opened a result --------------------


@dataclass(frozen=True)
class SearchStats:
    searches: int
    zero_result: int
    clicked: int

    @property
    def click_through_rate(self) -> float | None:
        """Share of searches (that found something) where a result was opened."""
        with_results = self.searches - self.zero_result
        return self.clicked / with_results if with_results else None

    @property
    def zero_result_rate(self) -> float | None:
        return self.zero_result / self.searches if self.searches else None


def _logged(start: datetime, end: datetime, only: Q | None) -> QuerySet:
    return SearchLog.objects.filter(created_at__gte=start, created_at__lt=end).filter(only or Q())


def search_stats(*, start: datetime, end: datetime, only: Q | None = None) -> SearchStats:
    """Searches logged in [start, end) (narrowed by `only`): one aggregate query."""
    counts = _logged(start, end, only).aggregate(
        searches=Count("pk"),
        zero_result=Count("pk", filter=Q(result_count=0)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )
    return SearchStats(**counts)


def zero_result_queries(
    *, start: datetime, end: datetime, limit: int = 50, only: Q | None = None
) -> QuerySet:
    """The most frequent searches that found nothing in [start, end) — content gaps — as
    rows of {"query", "searches", "last_searched_at"}."""
    return (
        _logged(start, end, only)
        .filter(result_count=0)
        .values("query")
        .annotate(searches=Count("pk"), last_searched_at=Max("created_at"))
        .order_by("-searches", "-last_searched_at", "query")[:limit]
    )
