import re

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from community.selectors import branding_get
from members.models import ApprovalStatus, ShoutOut, SupportAct
from members.selectors.reciprocity import shout_outs_for_profile
from tests.html import parse_elements, unsafe_markup
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
)


@pytest.fixture
def recipient():
    return UserFactory(username="rosa", display_name="Rosa Diaz")


def _url(user) -> str:
    return f"/members/{user.username}/shout-out/"


def _shout_outs_section(html: str) -> str:
    match = re.search(r'<section class="card shout-outs".*?</section>', html, re.S)
    assert match, "the shout-outs section is missing"
    return match.group(0)


def test_member_sees_the_shout_out_form(client_as_member, recipient):
    response = client_as_member.get(_url(recipient))

    assert response.status_code == 200
    assert b"Give Rosa Diaz a shout-out" in response.content
    assert b'name="message"' in response.content


def test_visitor_is_sent_to_sign_in(client, recipient):
    response = client.get(_url(recipient))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_account_waiting_for_approval_cannot_give_shout_outs(client, recipient):
    client.force_login(UserFactory(approval_status=ApprovalStatus.PENDING))

    assert client.get(_url(recipient)).status_code == 403
    assert client.post(_url(recipient), {"message": "hi"}).status_code == 403
    assert not ShoutOut.objects.exists()


@pytest.mark.parametrize("state", ["missing", "erased", "inactive", "pending"])
def test_shout_out_page_of_someone_who_is_not_a_member_is_not_found(client_as_member, state):
    target = {
        "missing": lambda: type("Ghost", (), {"username": "nobody-here"}),
        "erased": lambda: UserFactory(erased_at=timezone.now(), is_active=False),
        "inactive": lambda: UserFactory(is_active=False),
        "pending": lambda: UserFactory(approval_status=ApprovalStatus.PENDING),
    }[state]()

    assert client_as_member.get(_url(target)).status_code == 404
    assert client_as_member.post(_url(target), {"message": "hi"}).status_code == 404
    assert not ShoutOut.objects.exists()


def test_posting_a_shout_out_redirects_to_the_profile_with_a_success_message(
    client_as_member, member, recipient
):
    response = client_as_member.post(_url(recipient), {"message": "Rosa fixed my build."})

    assert response.status_code == 302
    assert response["Location"] == "/members/rosa/"
    assert ShoutOut.objects.get().author == member
    assert SupportAct.objects.filter(giver=member, receiver=recipient).count() == 1
    notices = [str(m) for m in get_messages(response.wsgi_request)]
    assert notices == ["Your shout-out for Rosa Diaz is on their profile."]


def test_username_in_the_url_is_case_insensitive(client_as_member, recipient):
    response = client_as_member.post("/members/ROSA/shout-out/", {"message": "Hi"})

    assert response["Location"] == "/members/rosa/"


def test_shout_out_to_yourself_shows_a_clear_message_and_stores_nothing(client_as_member, member):
    page = client_as_member.get(_url(member))
    response = client_as_member.post(_url(member), {"message": "I am great"})

    assert b"You can't give yourself a shout-out" in page.content
    assert b'name="message"' not in page.content
    assert response.status_code == 400
    assert b"give yourself a shout-out" in response.content
    assert not ShoutOut.objects.exists()


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", b"Write a few words"),
        ("   ", b"Write a few words"),
        ("x" * 281, b"Keep it to 280 characters (this one has 281)"),
        ("x" * 10_000, b"Keep it to 280 characters"),
        ("nul\x00byte", b"Null characters are not allowed."),
    ],
)
def test_bad_message_gets_a_form_error_and_stores_nothing(
    client_as_member, recipient, message, error
):
    response = client_as_member.post(_url(recipient), {"message": message})

    assert response.status_code == 400
    assert error in response.content
    assert not ShoutOut.objects.exists()


def test_a_burst_of_shout_outs_gets_429_with_retry_after_and_stores_nothing_more(
    client_as_member, recipient
):
    for n in range(5):
        assert client_as_member.post(_url(recipient), {"message": f"#{n}"}).status_code == 302

    response = client_as_member.post(_url(recipient), {"message": "#6"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert b"You have reached the limit of 5 shout-outs an hour" in response.content
    assert ShoutOut.objects.count() == 5


def test_get_does_not_create_anything_and_other_methods_are_refused(client_as_member, recipient):
    client_as_member.get(_url(recipient), {"message": "via GET"})

    assert client_as_member.put(_url(recipient)).status_code == 405
    assert not ShoutOut.objects.exists()


def test_post_without_csrf_token_is_refused(member, recipient):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    assert client.post(_url(recipient), {"message": "hi"}).status_code == 403
    assert not ShoutOut.objects.exists()


def test_hostile_markup_in_a_shout_out_is_shown_escaped_on_the_page(client_as_member, recipient):
    ShoutOut.objects.create(author=UserFactory(), recipient=recipient, message=HOSTILE)

    response = client_as_member.get(_url(recipient))
    section = _shout_outs_section(response.content.decode())

    assert unsafe_markup(section) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section


def _render_partial(profile_user, viewer) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    return render_to_string(
        "members/_shout_outs.html",
        {
            "shout_outs": shout_outs_for_profile(profile_user=profile_user, viewer=viewer),
            "profile_user": profile_user,
        },
        request=request,
    )


def test_partial_renders_hostile_markup_as_text(member, recipient):
    ShoutOut.objects.create(author=member, recipient=recipient, message=HOSTILE)

    html = _render_partial(recipient, member)

    assert unsafe_markup(html) == []
    assert not [tag for tag, _ in parse_elements(html) if tag in {"script", "img"}]


def test_partial_offers_a_shout_out_link_only_to_members_viewing_someone_else(member, recipient):
    from django.contrib.auth.models import AnonymousUser

    link = 'href="/members/rosa/shout-out/"'
    assert link in _render_partial(recipient, member)
    assert link not in _render_partial(recipient, recipient)
    assert link not in _render_partial(recipient, AnonymousUser())
    pending = UserFactory(approval_status=ApprovalStatus.PENDING)
    assert link not in _render_partial(recipient, pending)


def test_profile_shows_the_ten_newest_visible_shout_outs_with_the_total(member, recipient):
    authors = UserFactory.create_batch(3)
    for n in range(12):
        ShoutOut.objects.create(author=authors[n % 3], recipient=recipient, message=f"note {n}")
    ShoutOut.objects.create(
        author=member, recipient=recipient, message="hidden one", hidden_at=timezone.now()
    )
    banned = UserFactory(is_active=False)
    ShoutOut.objects.create(author=banned, recipient=recipient, message="from a banned account")

    shout_outs = shout_outs_for_profile(profile_user=recipient, viewer=member)
    html = _render_partial(recipient, member)

    assert shout_outs.total == 12
    assert [s.message for s in shout_outs] == [f"note {n}" for n in range(11, 1, -1)]
    assert 'Shout-outs <span class="count">(12)</span>' in html
    assert "and 2 more." in html
    assert "hidden one" not in html
    assert "banned" not in html


def test_shout_outs_of_an_erased_author_stay_and_read_former_member(member, recipient):
    author = UserFactory(display_name="Gone Person")
    ShoutOut.objects.create(author=author, recipient=recipient, message="still true")
    author.erased_at = timezone.now()
    author.is_active = False
    author.save()

    html = _render_partial(recipient, member)

    assert "still true" in html
    assert "Former member" in html
    assert "Gone Person" not in html
    assert f"/members/{author.username}/" not in html


def test_profile_shout_outs_take_two_queries_whatever_their_number(
    member, recipient, django_assert_num_queries
):
    for _ in range(15):
        ShoutOut.objects.create(author=UserFactory(), recipient=recipient, message="hi")
    branding_get()  # the context processor's cached branding, warm as on any page

    with django_assert_num_queries(2):
        html = _render_partial(recipient, member)

    assert html.count('class="shout-out"') == 10


def test_profile_page_shows_shout_outs_escaped_with_a_link_to_give_one(client_as_member, recipient):
    ShoutOut.objects.create(author=UserFactory(), recipient=recipient, message=HOSTILE)

    response = client_as_member.get("/members/rosa/")
    section = _shout_outs_section(response.content.decode())

    assert response.status_code == 200
    assert unsafe_markup(section) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert 'href="/members/rosa/shout-out/"' in section


def test_guardians_anonymous_user_row_cannot_receive_shout_outs(client_as_member):
    from guardian.utils import get_anonymous_user

    anonymous = get_anonymous_user()

    assert client_as_member.get(_url(anonymous)).status_code == 404
    assert client_as_member.post(_url(anonymous), {"message": "hi"}).status_code == 404
    assert not ShoutOut.objects.exists()
