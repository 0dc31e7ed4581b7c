"""What the page cache shares between viewers (forums.page_cache) holds nothing of any one
viewer: the frame is the same bytes for two members of one shape, and no member's name,
e-mail, draft, token or moderator-only list ends up in a shared piece, whoever filled it."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from community.selectors import branding_get
from forums.models import WatchLevel
from forums.page_cache.frame import frame_cache_key, frame_render, visitor_page_key
from forums.page_cache.posts import (
    facts_cache_key,
    page_and_cached,
    posts_cache_key,
    viewer_shape,
)
from forums.page_cache.splice import UnknownHole, cut, filled, hole
from forums.selectors.topic import topic_rights, viewer_state
from forums.services.drafts import draft_save
from forums.services.posts import post_create
from forums.services.topics import topic_create
from forums.services.watching import watch_set
from members import roles
from members.models import TrustLevel
from tests.forums.factories import CategoryFactory, private_category_for
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    author = UserFactory(trust_level=TrustLevel.MEMBER, username="author")
    topic = topic_create(category=CategoryFactory(), author=author, title="Shared", body="Hi")
    post_create(topic=topic, author=UserFactory(trust_level=TrustLevel.MEMBER), body="Reply")
    topic.refresh_from_db()
    return topic


def _member_view(member, topic):
    """The topic page's rights and state for `member`, as the page computes them."""
    view = topic_rights(topic=topic, viewer=member)
    page_and_cached(view, raw_page="1", key_for=lambda number: f"unused:{number}")
    state = viewer_state(member, topic, [], view.tags)
    view.has_draft, view.watches = state.has_draft, state.watches
    return view


def test_the_frame_is_the_same_bytes_for_two_members_of_one_shape(topic):
    ann = UserFactory(
        trust_level=TrustLevel.MEMBER,
        username="ann_a",
        display_name="Ann Archer",
        email="ann@example.test",
    )
    bob = UserFactory(
        trust_level=TrustLevel.MEMBER,
        username="bob_b",
        display_name="Bob Baker",
        email="bob@example.test",
    )
    draft_save(user=ann, topic=topic, body="Ann's half-written reply")
    watch_set(user=ann, topic=topic, level=WatchLevel.EVERY_POST)
    ann_view, bob_view = _member_view(ann, topic), _member_view(bob, topic)
    assert ann_view.has_draft and not bob_view.has_draft
    shape = viewer_shape(ann, ann_view)
    assert viewer_shape(bob, bob_view) == shape and shape.can_reply

    ann_frame = frame_render(ann_view, shape, branding_get())
    bob_frame = frame_render(bob_view, shape, branding_get())

    assert ann_frame == bob_frame
    assert {"csrf", "posts", "account", "watch", "composer"} <= ann_frame.holes


def test_no_shared_piece_holds_anything_of_the_member_who_filled_it(topic):
    mona = UserFactory(
        username="mona_m",
        display_name="Mona Moderator",
        email="mona.private@example.test",
        roles=[roles.MODERATORS],
    )
    private_category_for(mona, name="Secret staff room")  # in her "Move to" list only
    draft_save(user=mona, topic=topic, body="Mona's unsent draft words")
    watch_set(user=mona, topic=topic, level=WatchLevel.MUTED)
    client = Client()
    client.force_login(mona)
    html = client.get(topic.get_absolute_url() + "?page=1").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    personal = ["Mona Moderator", "mona_m", "unsent draft words", token, "Secret staff room"]
    for text in personal:
        assert text in html, text  # her page has them all...
    personal.append("mona.private@example.test")
    Client().get(topic.get_absolute_url() + "?page=1")  # and a visitor's page is cached too

    view = _member_view(mona, topic)
    shape = viewer_shape(mona, view)
    assert shape.moderates
    shared = {
        "frame": cache.get(frame_cache_key(view, shape, 1, branding_get())),
        "posts": cache.get(posts_cache_key(topic, shape, 1)),
        "facts": cache.get(facts_cache_key(topic, moderates=True)),
        "visitor page": cache.get(visitor_page_key(topic, 1, branding_get())),
    }
    assert all(entry is not None for entry in shared.values()), shared.keys()
    for name, entry in shared.items():
        text = repr(entry)  # every string and byte string the entry holds
        for secret in personal:
            assert secret not in text, (name, secret)  # ...and no shared piece has any


def test_a_hole_nobody_fills_is_an_error_not_a_gap():
    pieces = cut(f"<p>{hole('known')} and {hole('stray')}</p>")
    assert filled(pieces, {"known": b"K", "stray": [b"S", b"!"]}) == b"<p>K and S!</p>"
    with pytest.raises(UnknownHole, match="stray"):
        filled(pieces, {"known": b"K"})
