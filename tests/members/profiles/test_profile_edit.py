import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from members import roles
from members.models import ApprovalStatus, ExpertiseTag, Profile, User, Visibility
from members.services.profiles import profile_get_or_create, profile_update
from tests.html import unsafe_markup
from tests.members.factories import UserFactory
from tests.members.profiles.helpers import image_bytes

pytestmark = pytest.mark.django_db

EDIT_URL = "/members/me/edit/"


def valid_post(**overrides) -> dict:
    data = {
        "display_name": "Maya Patel",
        "headline": "Operations lead",
        "company": "Globex",
        "location": "Lisbon",
        "time_zone": "Europe/Lisbon",
        "bio": "I run **onboarding**.",
        "expertise": "Onboarding, Billing",
        "website": "https://maya.example/",
        "social_links": "LinkedIn https://linkedin.example/in/maya\nhttps://mastodon.example/@maya",
        "headline_visibility": "public",
        "company_visibility": "members",
        "location_visibility": "members",
        "time_zone_visibility": "members",
        "bio_visibility": "public",
        "expertise_visibility": "public",
        "links_visibility": "public",
        "last_seen_visibility": "private",
    }
    data.update(overrides)
    return data


def snapshot(user: User) -> dict:
    user.refresh_from_db()
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return {"display_name": user.display_name, "profile": None}
    return {
        "display_name": user.display_name,
        "profile": {
            field.name: getattr(profile, field.name)
            for field in Profile._meta.fields
            if field.name != "updated_at"
        },
        "expertise": sorted(profile.expertise.values_list("name", flat=True)),
    }


@pytest.fixture
def saved_member(member):
    profile_update(
        user=member,
        actor=member,
        headline="Before",
        bio="Before bio",
        website="https://before.example/",
        expertise=["Before"],
    )
    return member


def test_member_edits_their_profile_and_sees_it_on_their_page(client_as_member, member):
    response = client_as_member.post(EDIT_URL, valid_post())

    assert response.status_code == 302
    assert response["Location"] == f"/members/{member.username}/"
    member.refresh_from_db()
    profile = member.profile
    assert member.display_name == "Maya Patel"
    assert profile.company == "Globex"
    assert str(profile.time_zone) == "Europe/Lisbon"
    assert profile.bio_html == "<p>I run <strong>onboarding</strong>.</p>\n"
    assert profile.social_links == [
        {"label": "LinkedIn", "url": "https://linkedin.example/in/maya"},
        {"label": "mastodon.example", "url": "https://mastodon.example/@maya"},
    ]
    assert sorted(profile.expertise.values_list("slug", flat=True)) == ["billing", "onboarding"]
    assert profile.last_seen_visibility == Visibility.PRIVATE
    page = client_as_member.get(response["Location"]).content.decode()
    assert "Your profile is saved." in page
    assert "Operations lead" in page


def test_edit_form_shows_the_current_values(client_as_member, saved_member):
    page = client_as_member.get(EDIT_URL).content.decode()

    assert 'value="Before"' in page
    assert "Before bio" in page
    assert 'value="https://before.example/"' in page


def test_edit_page_sends_visitors_to_sign_in(client):
    response = client.get(EDIT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_edit_page_is_forbidden_to_accounts_waiting_for_approval(client):
    pending = UserFactory()
    User.objects.filter(pk=pending.pk).update(approval_status=ApprovalStatus.PENDING)
    client.force_login(pending)

    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, valid_post()).status_code == 403
    assert not Profile.objects.filter(user=pending, company="Globex").exists()


BAD_INPUT = [
    ({"website": "javascript:alert(1)"}, "website", "http:// or https://"),
    ({"website": "JaVaScRiPt:alert(1)"}, "website", "http:// or https://"),
    ({"website": "ftp://files.example/"}, "website", "http:// or https://"),
    ({"website": "https://x.example/" + "a" * 400}, "website", "at most 300"),
    ({"social_links": "Evil javascript:alert(1)"}, "social_links", "http:// or https://"),
    ({"social_links": "Files ftp://files.example/"}, "social_links", "http:// or https://"),
    (
        {"social_links": "\n".join(f"L{n} https://l{n}.example/" for n in range(6))},
        "social_links",
        "at most 5 links",
    ),
    ({"social_links": "L" * 41 + " https://x.example/"}, "social_links", "at most 40"),
    ({"display_name": "x" * 81}, "display_name", "at most 80"),
    ({"headline": "x" * 121}, "headline", "at most 120"),
    ({"company": "x" * 121}, "company", "at most 120"),
    ({"location": "x" * 121}, "location", "at most 120"),
    ({"bio": "x" * 5001}, "bio", "at most 5000"),
    ({"company": "Globex\x00"}, "company", "Null characters are not allowed"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Select a valid choice"),
    ({"company_visibility": "friends"}, "company_visibility", "Select a valid choice"),
    (
        {"expertise": ", ".join(f"Tag {n}" for n in range(11))},
        "expertise",
        "at most 10 areas",
    ),
    ({"expertise": "Python, " + "x" * 41}, "expertise", "too long"),
    ({"expertise": "Python, x"}, "expertise", "too short"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUT)
def test_bad_profile_input_gets_a_clear_error_and_changes_nothing(
    client_as_member, saved_member, changes, field, message
):
    before = snapshot(saved_member)

    response = client_as_member.post(EDIT_URL, valid_post(**changes))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert snapshot(saved_member) == before


HOSTILE_BIO = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) "
    '<a href="/x" hx-get="/admin/" hx-trigger="load">x</a>'
)


def test_bio_with_script_and_javascript_links_is_saved_but_rendered_harmless(
    client_as_member, member
):
    client_as_member.post(EDIT_URL, valid_post(bio="Plain"))
    baseline = unsafe_markup(client_as_member.get(f"/members/{member.username}/").content.decode())

    response = client_as_member.post(EDIT_URL, valid_post(bio=HOSTILE_BIO))

    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.bio == HOSTILE_BIO  # the source is kept, for the member to edit
    assert unsafe_markup(member.profile.bio_html) == []
    page = client_as_member.get(f"/members/{member.username}/").content.decode()
    assert unsafe_markup(page) == baseline


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_avatar_upload_is_resized_and_stored_under_a_generated_name(client_as_member, member):
    response = client_as_member.post(
        EDIT_URL,
        valid_post(avatar=upload("../../etc/passwd.png", image_bytes(size=(1200, 900)))),
    )

    assert response.status_code == 302
    name = Profile.objects.get(user=member).avatar.name
    assert name.startswith("avatars/avatar-")
    assert ".." not in name and "passwd" not in name
    from PIL import Image

    with default_storage.open(name) as stored, Image.open(stored) as image:
        assert max(image.size) <= 400
    page = client_as_member.get(f"/members/{member.username}/").content.decode()
    assert f'src="/media/{name}"' in page


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("notes.png", b"this is not an image at all", "Upload a PNG, JPEG, GIF or WebP"),
        ("logo.svg", SVG_WITH_SCRIPT, "Upload a PNG, JPEG, GIF or WebP"),
        ("logo.png", SVG_WITH_SCRIPT, "Upload a PNG, JPEG, GIF or WebP"),
        ("huge.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "the largest allowed is 2"),
    ],
    ids=["not-an-image", "svg-with-script", "svg-renamed-png", "over-2-mb"],
)
def test_bad_avatar_gets_a_clear_error_and_keeps_the_old_photo(
    client_as_member, member, filename, content, message
):
    client_as_member.post(EDIT_URL, valid_post(avatar=upload("me.png", image_bytes())))
    before = snapshot(member)
    assert before["profile"]["avatar"].name.startswith("avatars/avatar-")

    response = client_as_member.post(EDIT_URL, valid_post(avatar=upload(filename, content)))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["avatar"])
    assert snapshot(member) == before
    assert default_storage.exists(before["profile"]["avatar"].name)


def test_replacing_the_avatar_deletes_the_old_file_after_commit(
    member, django_capture_on_commit_callbacks
):
    profile_update(user=member, actor=member, avatar=upload("a.png", image_bytes()))
    old = Profile.objects.get(user=member).avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        profile_update(user=member, actor=member, avatar=upload("b.jpg", image_bytes(fmt="JPEG")))

    new = Profile.objects.get(user=member).avatar.name
    assert new != old
    assert default_storage.exists(new)
    assert not default_storage.exists(old)


def test_removing_the_avatar_goes_back_to_initials_and_deletes_the_file(
    client_as_member, member, django_capture_on_commit_callbacks
):
    client_as_member.post(EDIT_URL, valid_post(avatar=upload("a.png", image_bytes())))
    old = Profile.objects.get(user=member).avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_member.post(EDIT_URL, valid_post(avatar_remove="on"))

    assert response.status_code == 302
    assert not Profile.objects.get(user=member).avatar
    assert not default_storage.exists(old)


def test_expertise_reuses_existing_tags_whatever_their_case(member):
    existing = ExpertiseTag.objects.create(name="Python", slug="python")
    other = UserFactory()

    profile_update(user=member, actor=member, expertise=["python", "  Data   Science "])
    profile_update(user=other, actor=other, expertise=["PYTHON", "data science"])

    assert list(member.profile.expertise.all()) == list(other.profile.expertise.all())
    assert existing in member.profile.expertise.all()
    assert ExpertiseTag.objects.count() == 2


def test_expertise_names_with_the_same_slug_stay_separate_tags(member):
    profile_update(user=member, actor=member, expertise=["C#", "C++", "中文"])

    tags = {tag.name: tag.slug for tag in member.profile.expertise.all()}

    assert {tags["C#"], tags["C++"]} == {"c", "c-2"}
    assert tags["中文"].startswith("tag-")


def test_profile_update_by_another_member_is_denied(member):
    intruder = UserFactory()

    with pytest.raises(PermissionDenied):
        profile_update(user=member, actor=intruder, headline="Hacked")

    assert not Profile.objects.filter(user=member, headline="Hacked").exists()


def test_profile_update_by_a_community_manager_is_allowed(member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])

    profile_update(user=member, actor=manager, headline="Fixed by support")

    assert Profile.objects.get(user=member).headline == "Fixed by support"


def test_profile_update_refuses_an_erased_account(member):
    manager = UserFactory(roles=[roles.COMMUNITY_MANAGERS])
    User.objects.filter(pk=member.pk).update(erased_at="2026-01-01T00:00:00Z")
    member.refresh_from_db()

    with pytest.raises(ValidationError):
        profile_update(user=member, actor=manager, headline="Back")


def test_profile_update_refuses_unknown_fields(member):
    with pytest.raises(TypeError):
        profile_update(user=member, actor=member, bio_html="<script>alert(1)</script>")


def test_profile_get_or_create_gives_an_account_without_a_row_its_profile(member):
    Profile.objects.filter(user=member).delete()

    profile = profile_get_or_create(user=member)

    assert profile.pk == member.pk
    assert profile_get_or_create(user=member).pk == profile.pk
    assert Profile.objects.filter(user=member).count() == 1
