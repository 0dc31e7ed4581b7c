"""Forum search pages: the search form with its results, and the link a result goes through
so the search log learns that the search led somewhere."""

from __future__ import annotations

import hashlib
import json
import re

from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from community.ratelimit import RateLimit, RateLimited, rate_limit_hit
from forums.models import Category, Post, Tag
from forums.permissions import access_topic, visible_categories
from forums.selectors.search import (
    QUERY_MAX_LENGTH,
    SearchCriteria,
    SearchTooBroad,
    search_text_normalize,
    topic_search,
)
from forums.services.search import search_click_record, search_query_record

# Each results page is a full-text query: enough for a person paging and refining, not for
# a scraper. Visitors are counted per IP address (an office behind one address shares it).
MEMBER_SEARCH_LIMITS = (
    RateLimit(30, 60, "30 searches a minute"),
    RateLimit(300, 3600, "300 searches an hour"),
)
VISITOR_SEARCH_LIMITS = (
    RateLimit(20, 60, "20 searches a minute"),
    RateLimit(200, 3600, "200 searches an hour"),
)
# The searches this session ran, {search id: fingerprint of text and filters}: paging
# through results reuses the logged search, and clicks are recorded only for its owner.
SESSION_KEY = "forum_searches"
SESSION_KEEP = 20

_ID = re.compile(r"[0-9]{1,18}")  # fits a bigint; anything else is ignored

SOLVED_CHOICES = [("", "Any"), ("yes", "Solved"), ("no", "Not solved")]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": (
                f"Searches can be at most {QUERY_MAX_LENGTH} characters long "
                "(this one has %(show_value)d). Try a few distinctive words instead."
            )
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search the forums"}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    author = forms.CharField(
        label="Written by", required=False, max_length=150, help_text="A member's username."
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    after = forms.DateField(
        label="Written on or after", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.DateField(
        label="Written on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    solved = forms.ChoiceField(label="Solved", required=False, choices=SOLVED_CHOICES)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only categories the viewer can see are offered; any other slug is "not a valid
        # choice", the same answer for a private category as for a missing one.
        categories = list(visible_categories(viewer).order_by("position", "name", "pk"))
        self.categories = {category.slug: category for category in categories}
        children: dict[int, list[Category]] = {}
        for category in categories:
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category)
        choices = [("", "All categories")]
        for category in categories:
            if category.parent_id is None:
                choices.append((category.slug, category.name))
                choices.extend((c.slug, f"— {c.name}") for c in children.get(category.pk, []))
        self.fields["category"].choices = choices
        self.fields["tag"].choices = [("", "Any tag")] + [
            (slug, name) for slug, name in Tag.objects.order_by("name").values_list("slug", "name")
        ]

    def clean_q(self) -> str:
        return search_text_normalize(self.cleaned_data["q"])

    def clean_author(self) -> str:
        return self.cleaned_data["author"].strip().lstrip("@")

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("after"), cleaned.get("before")
        if after and before and after > before:
            self.add_error("before", "This date is before the “on or after” date.")
        return cleaned

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            text=data["q"],
            category=self.categories.get(data["category"]),
            author=data["author"],
            tag=data["tag"],
            after=data["after"],
            before=data["before"],
            solved={"yes": True, "no": False}.get(data["solved"]),
        )


def _client_key(request) -> str:
    if request.user.is_authenticated:
        return f"member:{request.user.pk}"
    try:
        return f"ip:{get_adapter(request).get_client_ip(request)}"
    except PermissionDenied:  # no address at all: share one bucket rather than none
        return "ip:unknown"


def _search_rate_limit(request) -> None:
    # Benchmarks load the page with wrk from one address: their settings turn it off.
    if not getattr(settings, "FORUM_SEARCH_RATE_LIMITED", True):
        return
    limits = MEMBER_SEARCH_LIMITS if request.user.is_authenticated else VISITOR_SEARCH_LIMITS
    rate_limit_hit(scope="forum-search", key=_client_key(request), limits=limits)


def _fingerprint(criteria: SearchCriteria) -> str:
    text = json.dumps([criteria.text.lower(), criteria.filters()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _logged_search_id(request, criteria: SearchCriteria, result_count: int) -> int:
    """The id of this search in the log: the one this session already logged when it is
    paging through the same results (?sq=), else a new entry."""
    searches = request.session.get(SESSION_KEY, {})
    fingerprint = _fingerprint(criteria)
    previous = request.GET.get("sq", "")
    if searches.get(previous) == fingerprint:
        return int(previous)
    logged = search_query_record(
        user=request.user,
        text=criteria.text,
        filters=criteria.filters(),
        result_count=result_count,
    )
    searches[str(logged.pk)] = fingerprint
    request.session[SESSION_KEY] = dict(list(searches.items())[-SESSION_KEEP:])
    return logged.pk


@require_safe
def search(request):
    """GET ?q=…&category=&author=&tag=&after=&before=&solved=&page=. Without words, the
    form alone; bad input comes back as form errors with a 200."""
    form = SearchForm(request.GET or None, viewer=request.user)
    context = {"form": form, "results": None, "criteria": None}
    status, retry_after = 200, None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        criteria = form.criteria()
        context["criteria"] = criteria
        try:
            _search_rate_limit(request)
        except RateLimited as exc:
            context["refusal"] = exc.message
            status, retry_after = 429, exc.retry_after
        else:
            try:
                results = topic_search(
                    viewer=request.user, criteria=criteria, page=request.GET.get("page")
                )
            except SearchTooBroad:
                context["refusal"] = (
                    "This search matches too much of the forum to rank quickly. "
                    'Add a more distinctive word, a "quoted phrase" or a filter.'
                )
            else:
                search_id = _logged_search_id(request, criteria, results.count)
                context.update(results=results, search_id=search_id)
    response = render(request, "forums/search.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_safe
def search_open(request, query_id: int, topic_id: int):
    """A result's link: record the click on the searcher's own search, then go to the topic
    (?post= the matching post). 404 when the topic is not visible to the viewer now, whatever
    the search once found. A GET, so results stay plain links; the only state it touches is
    the searcher's own click-through, and only the first click."""
    topic = access_topic(request.user, pk=topic_id)
    owned = str(query_id) in request.session.get(SESSION_KEY, {})
    search_click_record(search_query_id=query_id, user=request.user, topic=topic, owned=owned)
    post_id = request.GET.get("post", "")
    if _ID.fullmatch(post_id) and Post.objects.filter(pk=int(post_id), topic=topic).exists():
        return redirect(reverse("forums:post-open", args=[int(post_id)]))
    return redirect(topic)
