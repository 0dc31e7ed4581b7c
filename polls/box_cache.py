"""What every viewer of a poll shares (its options, results and public voters; a visitor's
whole poll box), cached under the poll's *results version*.

A poll's box sits on its topic's page, which is cached per topic version
(forums.page_cache); a vote changes the results without changing the topic, so the box
has a version of its own, kept in the cache per topic and replaced by the services that
change what the box shows (a vote, a changed vote, closing, reopening, a new poll). They
replace it at once, so the transaction's own later reads see it, and again after commit,
so a box another request rendered from the not-yet-committed state in between is not kept
either (the same contract as members.access). A missing version is created afresh with a
random value, so an entry stamped with an older one can never pass.

Entries carry the release (settings.RELEASE_ID): a deploy never serves a box rendered by
the code before it."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from community.per_request import cache_get_many_prefetched

VERSION_SECONDS = 24 * 60 * 60
ENTRY_SECONDS = 5 * 60


def version_key(topic_id: int) -> str:
    return f"polls:results-version:{topic_id}"


def entry_key(topic_id: int, name: str) -> str:
    return f"polls:{name}:{settings.RELEASE_ID}:{topic_id}"


def results_changed(topic_id: int) -> None:
    """What the poll of topic `topic_id` shows has changed: its shared entries are stale."""

    def replace() -> None:
        cache.set(version_key(topic_id), uuid4().hex, timeout=VERSION_SECONDS)

    replace()
    # robust: the vote is committed; a cache hiccup now must not turn it into an error page
    # (the replacement inside the transaction already made every entry stale).
    transaction.on_commit(replace, robust=True)


def shared_get(topic_id: int, name: str) -> tuple[str, object | None]:
    """The current version and the entry `name` if it was made under that version (else
    None): one cache round trip."""
    vkey, ekey = version_key(topic_id), entry_key(topic_id, name)
    found = cache_get_many_prefetched([vkey, ekey])
    version = found.get(vkey)
    if version is None:
        cache.add(vkey, uuid4().hex, timeout=VERSION_SECONDS)
        version = cache.get(vkey)
    entry = found.get(ekey)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def shared_set(topic_id: int, name: str, version: str, value, *, timeout: int) -> None:
    """Keep `value` as entry `name`, stamped with `version` (read before computing it: a
    change committed after that read makes the stamp stale)."""
    if timeout > 0:
        cache.set(entry_key(topic_id, name), (version, value), timeout=timeout)
