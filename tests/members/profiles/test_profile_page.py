import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.access import member_pages_changed
from members.models import (
    VISIBLE_FIELDS,
    ApprovalStatus,
    Follow,
    Profile,
    TrustLevel,
    User,
    Visibility,
)
from members.services.profiles import profile_update
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import (
    LEVELS,
    MARKERS,
    SEES,
    VIEWERS,
    branding_set,
    client_for,
    filled_member,
)

pytestmark = pytest.mark.django_db


def profile_url(user: User) -> str:
    return f"/members/{user.username}/"


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("field", VISIBLE_FIELDS)
def test_profile_page_shows_each_field_only_to_the_viewers_its_visibility_allows(field, level):
    owner = filled_member(level=Visibility.PRIVATE)
    profile_update(user=owner, actor=owner, **{f"{field}_visibility": level})

    for viewer in VIEWERS:
        page = client_for(viewer, owner=owner).get(profile_url(owner)).content.decode()
        shown = MARKERS[field] in page
        assert shown == (viewer in SEES[level]), f"{field} at {level} seen by {viewer}"


def test_profile_page_always_shows_name_username_trust_level_and_member_since(client):
    owner = filled_member(level=Visibility.PRIVATE, display_name="Maya Patel")
    User.objects.filter(pk=owner.pk).update(trust_level=TrustLevel.REGULAR)

    page = client.get(profile_url(owner)).content.decode()

    assert "Maya Patel" in page
    assert f"@{owner.username}" in page
    assert "Regular" in page
    assert "Member since" in page
    assert 'id="activity"' in page  # the place the forums fill with public activity


def test_profile_page_shows_initials_avatar_when_no_photo_was_uploaded(client):
    owner = UserFactory(display_name="Maya Patel")

    page = client.get(profile_url(owner)).content.decode()

    avatar = next(
        attrs for tag, attrs in parse_elements(page) if "avatar" in attrs.get("class", "")
    )
    assert ">MP<" in page
    assert "avatar--c" in avatar["class"]


def test_profile_page_renders_a_member_without_a_profile_row(client):
    owner = UserFactory()
    Profile.objects.filter(user=owner).delete()  # bulk imports leave accounts without one

    response = client.get(profile_url(owner))

    assert response.status_code == 200
    assert owner.display_name in response.content.decode()


def test_profile_page_for_a_differently_cased_username_redirects_to_the_canonical_url(client):
    UserFactory(username="maya.patel")

    response = client.get("/members/Maya.Patel/")

    assert response.status_code == 301
    assert response["Location"] == "/members/maya.patel/"


@pytest.mark.parametrize(
    "state",
    [
        {"approval_status": ApprovalStatus.PENDING},
        {"approval_status": ApprovalStatus.DECLINED},
        {"is_active": False},
    ],
    ids=["pending", "declined", "inactive"],
)
def test_profile_of_an_account_that_is_not_a_member_is_not_found(client_as_member, state):
    owner = UserFactory()
    User.objects.filter(pk=owner.pk).update(**state)

    assert client_as_member.get(profile_url(owner)).status_code == 404


@pytest.mark.parametrize("spelling", ["AnonymousUser", "anonymoususer", "ANONYMOUSUSER"])
# Not named "page": that is pytest-playwright's fixture, and would make this a browser test.
@pytest.mark.parametrize("subpage", ["", "followers/", "following/"])
def test_guardians_anonymous_user_has_no_pages_however_it_is_spelt(
    client_as_member, spelling, subpage
):
    assert User.objects.filter(username=settings.ANONYMOUS_USER_NAME).exists()
    branding_set(directory_public=True)

    response = client_as_member.get(f"/members/{spelling}/{subpage}")

    assert response.status_code == 404


def test_members_me_opens_your_own_profile(client_as_member, member):
    response = client_as_member.get("/members/me/")

    assert response.status_code == 302
    assert response["Location"] == f"/members/{member.username}/"


def test_members_me_sends_visitors_to_sign_in_and_back(client):
    response = client.get("/members/me/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/me/"


def test_unknown_username_is_not_found(client_as_member):
    assert client_as_member.get("/members/nobody-here/").status_code == 404


def test_erased_member_shows_as_former_member_with_nothing_personal(client_as_member):
    owner = filled_member(level=Visibility.PUBLIC, display_name="Maya Patel")
    User.objects.filter(pk=owner.pk).update(erased_at=timezone.now(), is_active=False)

    response = client_as_member.get(profile_url(owner))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Former member" in page
    assert "Maya Patel" not in page
    assert f"@{owner.username}" not in page
    for marker in MARKERS.values():
        assert marker not in page
    assert "Follow</button>" not in page


def test_visitors_see_profiles_with_public_fields_only_when_the_community_is_public(client):
    owner = filled_member(level=Visibility.MEMBERS)
    profile_update(user=owner, actor=owner, headline_visibility=Visibility.PUBLIC)

    page = client.get(profile_url(owner)).content.decode()

    assert MARKERS["headline"] in page
    assert MARKERS["company"] not in page


def test_members_only_community_sends_visitors_from_profiles_to_sign_in(client):
    owner = filled_member()
    branding_set(members_only=True)

    response = client.get(profile_url(owner))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


HOSTILE_BIOS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="/x" hx-get="/admin/" hx-trigger="load" hx-on:click="alert(1)">x</a>',
]


@pytest.mark.parametrize("bio", HOSTILE_BIOS)
def test_hostile_bio_renders_nothing_executable_on_the_profile_page(client, bio):
    owner = UserFactory()
    profile_update(user=owner, actor=owner, bio="Plain words")
    baseline = unsafe_markup(client.get(profile_url(owner)).content.decode())

    profile_update(user=owner, actor=owner, bio=bio)
    page = client.get(profile_url(owner)).content.decode()

    # The page shell has its own htmx attributes; the bio may add nothing to them.
    assert unsafe_markup(page) == baseline


def test_profile_links_are_marked_nofollow_ugc_noopener(client):
    owner = UserFactory()
    profile_update(
        user=owner,
        actor=owner,
        website="https://maya.example/",
        social_links=[{"label": "LinkedIn", "url": "https://linkedin.example/in/maya"}],
    )

    page = client.get(profile_url(owner)).content.decode()

    links = {
        attrs["href"]: attrs.get("rel", "")
        for tag, attrs in parse_elements(page)
        if tag == "a" and "example/" in attrs.get("href", "")
    }
    assert set(links) == {"https://maya.example/", "https://linkedin.example/in/maya"}
    for rel in links.values():
        assert set(rel.split()) >= {"nofollow", "ugc", "noopener"}


def test_expertise_tags_link_to_the_directory_filtered_by_that_tag(client):
    owner = UserFactory()
    profile_update(user=owner, actor=owner, expertise=["Customer Success"])

    page = client.get(profile_url(owner)).content.decode()

    assert 'href="/members/?tag=customer-success"' in page


def test_profile_page_shows_follower_and_following_counts_of_listed_members_only(client):
    owner = UserFactory()
    fans = UserFactory.create_batch(3)
    for fan in fans:
        Follow.objects.create(follower=fan, followed=owner)
    Follow.objects.create(follower=owner, followed=fans[0])
    User.objects.filter(pk=fans[2].pk).update(approval_status=ApprovalStatus.PENDING)
    client.force_login(fans[1])

    page = client.get(profile_url(owner)).content.decode()

    assert "<strong>2</strong> followers" in page
    assert "<strong>1</strong> following" in page
    assert f'href="/members/{owner.username}/followers/"' in page


def test_profile_page_query_count_does_not_grow_with_tags_and_followers(client):
    owner = UserFactory()
    viewer = UserFactory()
    client.force_login(viewer)
    profile_update(user=owner, actor=owner, expertise=["One", "Two"])
    client.get(profile_url(owner))  # the day's visit is recorded on the first request

    def run() -> int:
        # Rendered afresh each time (the shared copy is tested in test_shared_profiles.py).
        member_pages_changed(user_ids=[owner.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(profile_url(owner)).status_code == 200
        return len(ctx.captured_queries)

    few = run()
    profile_update(user=owner, actor=owner, expertise=[f"Tag {n}" for n in range(10)])
    for fan in UserFactory.create_batch(15):
        Follow.objects.create(follower=fan, followed=owner)
    assert run() == few
