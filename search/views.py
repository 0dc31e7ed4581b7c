"""The site search page, the link each result goes through (so the search log learns the
search led somewhere), and the forum search's old addresses, which now lead here."""

from __future__ import annotations

import hashlib
import json
import re
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.http import require_safe

from community.page_cache.shared import viewer_values
from community.per_request import cache_get_many_prefetched
from community.ratelimit import RateLimit, RateLimited, client_key, rate_limit_hit
from forums.models import Post
from forums.page_cache.keys import page_key
from forums.page_cache.lists import LIST_SECONDS, list_shape, shared_list_render
from forums.page_cache.splice import Pieces, cut, filled, hole
from forums.permissions import access_topic
from forums.selectors.search import SearchCriteria, SearchTooBroad, search_version
from forums.services.search import (
    search_click_record,
    search_query_record,
    search_token_new,
)
from library.permissions import access_resource, resource_reach_fingerprint
from library.selectors import library_version
from members.permissions import can_browse_members, community_members
from search.forms import SiteSearchForm
from search.kinds import (
    ALL,
    KINDS,
    MEMBERS_SECTION_SECONDS,
    RESULTS_PER_PAGE,
    member_searcher_kind,
    own_levels_key,
    sees_themself_differently,
)

# Each results page is a full-text query per kind: enough for a person paging and refining,
# not for a scraper. Visitors are counted per IP address (an office behind one address
# shares it).
MEMBER_SEARCH_LIMITS = (
    RateLimit(30, 60, "30 searches a minute"),
    RateLimit(300, 3600, "300 searches an hour"),
)
VISITOR_SEARCH_LIMITS = (
    RateLimit(20, 60, "20 searches a minute"),
    RateLimit(200, 3600, "200 searches an hour"),
)
TOO_BROAD = (
    "This search matches too much to rank quickly. "
    'Add a more distinctive word, a "quoted phrase" or a filter.'
)

_ID = re.compile(r"[0-9]{1,18}")  # fits a bigint; anything else is ignored
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16}")  # forums.services.search.search_token_new
# What a shared results page may be asked with: anything else is rendered for the request.
_SHARED_PARAMETERS = frozenset(
    ("q", "kind", "page", "sq", "category", "author", "tag", "after", "before", "solved")
)


def _search_rate_limit(request) -> None:
    # Benchmarks load the page with wrk from one address: their settings turn it off.
    if not getattr(settings, "SEARCH_RATE_LIMITED", True):
        return
    limits = MEMBER_SEARCH_LIMITS if request.user.is_authenticated else VISITOR_SEARCH_LIMITS
    rate_limit_hit(scope="search", key=client_key(request), limits=limits)


def _fingerprint(kind: str, criteria: SearchCriteria) -> str:
    text = json.dumps([kind, criteria.text.lower(), criteria.filters()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _paging_signature(token: str, fingerprint: str) -> str:
    return salted_hmac("search.paging", f"{token}:{fingerprint}").hexdigest()[:16]


def _logged_search(request, kind: str, criteria: SearchCriteria, result_count: int):
    """This search's token and its `sq` for the page links: paging through the same results
    (?sq= signed for the same words, kind and filters) keeps the token and logs nothing
    new; anything else is a new search, logged (without a write on the request) under a
    new token."""
    fingerprint = _fingerprint(kind, criteria)
    token, _, signature = request.GET.get("sq", "").partition(".")
    if not (
        _TOKEN.fullmatch(token)
        and constant_time_compare(signature, _paging_signature(token, fingerprint))
    ):
        token = search_token_new()
        search_query_record(
            user=request.user,
            text=criteria.text,
            kind=kind,
            filters=criteria.filters(),
            result_count=result_count,
            token=token,
        )
    return token, f"{token}.{_paging_signature(token, fingerprint)}"


def _sections(request, form: SiteSearchForm, kind: str, criteria: SearchCriteria) -> list[dict]:
    """One section per kind searched: the kind, its results, or why it has none."""
    if kind == ALL:
        searches = [
            (each, lambda each=each: each.top_results(request.user, criteria))
            for each in form.kinds
        ]
    else:
        page = request.GET.get("page")
        searched = KINDS[kind]
        searches = [
            (searched, lambda: searched.search(request.user, criteria, page, RESULTS_PER_PAGE))
        ]
    sections = []
    for searched_kind, run in searches:
        section = {"kind": searched_kind, "results": None, "refusal": ""}
        try:
            section["results"] = run()
        except SearchTooBroad:
            section["refusal"] = TOO_BROAD
        sections.append(section)
    return sections


@require_safe
def search(request):
    """GET ?q=…&kind=all|forums|library|members&page=, and for kind=forums the forum
    filters (category, author, tag, after, before, solved). Without words, the form alone;
    bad input comes back as form errors with a 200."""
    form = SiteSearchForm(request.GET or None, viewer=request.user)
    context = {"form": form, "sections": None, "criteria": None, "kind": form.selected_kind}
    context["search_query"] = request.GET
    status, retry_after = 200, None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        kind = form.cleaned_data["kind"]
        criteria = form.criteria()
        context.update(criteria=criteria, kind=kind)
        try:
            _search_rate_limit(request)
        except RateLimited as exc:
            context["refusal"] = exc.message
            status, retry_after = 429, exc.retry_after
        else:
            if _shareable(request):
                shared = _shared_results(request, form, kind, criteria, context)
                if shared is not None:
                    return HttpResponse(shared)
            sections = _sections(request, form, kind, criteria)
            _answered(request, kind, criteria, sections, context)
    response = render(request, "search/search.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _answered(request, kind: str, criteria: SearchCriteria, sections, context: dict) -> None:
    answered = [s["results"] for s in sections if s["results"] is not None]
    # A search refused for taking too long searched nothing: it is not logged.
    if answered:
        total = sum(results.count for results in answered)
        token, paging = _logged_search(request, kind, criteria, total)
        context.update(search_id=token, search_ref=paging, total=total)
    context["sections"] = sections


# The holes a shared results page keeps for each search: its token and paging reference.
_SEARCH_HOLES = {"token": hole("token").encode(), "sq": hole("sq").encode()}


class SharedResults(NamedTuple):
    """A results page for everyone of one list shape (forums.page_cache.lists.ListShape:
    who sees and moderates the same categories, with the same header links), with holes
    for the search's token and paging reference, and, but for a visitor's, for the
    viewer's CSRF token and account corner."""

    pieces: Pieces
    total: int


def _shareable(request) -> bool:
    return request.GET.keys() <= _SHARED_PARAMETERS and not len(get_messages(request))


def _shared_results(
    request, form, kind: str, criteria: SearchCriteria, context: dict
) -> bytes | None:
    """*Topics & posts* or "All", as every searcher of the same shape and the same address
    got them since what they show last changed: one cache read. The key carries the forum's
    version (a service that changes a topic moves it), the address as asked (but its `sq`),
    since the form shows it back, and what the form offers (the kinds this viewer may
    search). "All" adds the library's version and who sees which resources, and for its
    members section who sees members' profiles alike (search.kinds: a searcher whose own
    profile makes a difference gets the page rendered for them); it is kept no longer than
    that section. None when the search was refused (too broad), or for another kind: that
    page is not kept."""
    if kind not in ("forums", ALL):
        return None
    user = request.user
    shape = list_shape(request)
    query = request.GET.copy()
    query.pop("sq", None)
    # In any order of its parameters: the page's links come out the same either way.
    asked = json.dumps(sorted(query.lists())).encode()
    asked = hashlib.blake2b(asked, digest_size=12).hexdigest()
    kinds = ",".join(each.key for each in form.kinds)
    parts = [search_version(), shape.key, request.branding.version, kinds, asked]
    seconds, also = LIST_SECONDS, []
    if kind == ALL:
        parts += [library_version(), resource_reach_fingerprint(user)]
        if KINDS["members"] in form.kinds:
            parts.append(member_searcher_kind(user))
            seconds = min(seconds, MEMBERS_SECTION_SECONDS)
            if user.is_authenticated:
                also.append(own_levels_key(user))
    key = page_key("search-page", *parts)
    cached = cache_get_many_prefetched([key, *also])
    if also and sees_themself_differently(user, cached):
        return None
    found = cached.get(key)
    if found is None:
        sections = _sections(request, form, kind, criteria)
        if any(section["refusal"] for section in sections):
            return None
        total = sum(section["results"].count for section in sections)
        shared_context = {
            **context,
            "sections": sections,
            "search_query": query,
            "search_id": hole("token"),
            "search_ref": hole("sq"),
            "total": total,
        }
        pieces = shared_list_render(
            "search/search.html",
            shared_context,
            path=request.path,
            query=query,
            shape=shape,
            branding=request.branding,
            section="search",
        ).pieces
        if not user.is_authenticated:
            # A visitor's frame is every visitor's: filled in once, only the search's own
            # holes left open.
            pieces = cut(filled(pieces, {**viewer_values(request), **_SEARCH_HOLES}).decode())
        found = SharedResults(pieces, total)
        cache.set(key, found, seconds)
    token, paging = _logged_search(request, kind, criteria, found.total)
    values = {"token": token.encode(), "sq": paging.encode()}
    if user.is_authenticated:
        values.update(viewer_values(request))
    return filled(found.pieces, values)


def _click(request, ref: str, *, topic=None) -> None:
    # Links from before searches had tokens name a row by its number: they still lead to
    # the result, without counting a click nobody can be sure was the searcher's.
    if _TOKEN.fullmatch(ref):
        search_click_record(token=ref, user=request.user, topic=topic)


@require_safe
def open_topic(request, ref: str, topic_id: int):
    """A topic result's link: record the click on the searcher's own search, then go to the
    topic (?post= the matching post). 404 when the topic is not visible to the viewer now,
    whatever the search once found. A GET, so results stay plain links; the only state it
    touches is the searcher's own click-through, and only the first click."""
    topic = access_topic(request.user, pk=topic_id)
    _click(request, ref, topic=topic)
    post_id = request.GET.get("post", "")
    if _ID.fullmatch(post_id) and Post.objects.filter(pk=int(post_id), topic=topic).exists():
        return redirect(reverse("forums:post-open", args=[int(post_id)]))
    return redirect(topic)


@require_safe
def open_resource(request, ref: str, slug: str):
    """A library result's link, as open_topic: 404 for a resource the viewer may not see."""
    resource = access_resource(request.user, slug=slug)
    _click(request, ref)
    return redirect(resource)


@require_safe
def open_member(request, ref: str, username: str):
    """A member result's link, as open_topic: 404 unless the viewer may browse members and
    the member is listed."""
    if not can_browse_members(request.user):
        raise Http404("No such member.")
    if not community_members().filter(username=username).exists():
        raise Http404("No such member.")
    _click(request, ref)
    return redirect(reverse("members:profile", args=[username]))


@require_safe
def forums_search_redirect(request):
    """/forums/search/ before there was one search: the same search, topics and posts."""
    params = request.GET.copy()
    params["kind"] = "forums"
    return HttpResponsePermanentRedirect(f"{reverse('search:search')}?{params.urlencode()}")


@require_safe
def forums_open_redirect(request, query_id: int, topic_id: int):
    """A forum result's link from before: the same link under /search/."""
    url = reverse("search:open-topic", args=[query_id, topic_id])
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
