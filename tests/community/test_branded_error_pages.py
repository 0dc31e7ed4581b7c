"""Error pages in the community's look, with ways back, and nothing alarming in the log: a
missing topic (404), a refusal (403), a bug (500), and /admin/ opened by a member or a
volunteer moderator."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from guardian.shortcuts import assign_perm

from community import home
from community.models import BRANDING_ID, SiteBranding
from community.selectors import branding_get
from community.services import branding_update
from members import roles
from tests.forums.factories import CategoryFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


@pytest.fixture
def browser_client(client):
    client.raise_request_exception = False  # as a browser would: the error page
    return client


@pytest.fixture
def branded():
    branding_update(branding=SiteBranding.objects.get(pk=BRANDING_ID), community_name="Acme Makers")


def _assert_branded_with_ways_back(page: str, *, sign_in: bool):
    assert "Acme Makers" in page
    assert 'class="site-header"' in page
    assert 'href="/"' in page
    assert f'action="{reverse("search:search")}"' in page
    assert (f'href="{reverse("account_login")}"' in page) is sign_in
    assert "Traceback" not in page


def _assert_quiet(caplog):
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]


def test_a_missing_topic_is_a_branded_404_with_ways_back(browser_client, branded, caplog):
    caplog.set_level(logging.INFO)
    response = browser_client.get(reverse("forums:topic-detail", args=[987654, "gone"]))

    assert response.status_code == 404
    page = response.content.decode()
    assert "We can't find that page" in page
    _assert_branded_with_ways_back(page, sign_in=True)
    _assert_quiet(caplog)


def test_a_404_for_a_member_offers_no_sign_in(browser_client, member, branded):
    browser_client.force_login(member)
    response = browser_client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_branded_with_ways_back(response.content.decode(), sign_in=False)


def test_a_refusal_is_a_branded_403(browser_client, branded, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionDenied("not for you")

    monkeypatch.setattr(home, "is_community_member", refused)
    response = browser_client.get(reverse("home"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "This page isn't available to you" in page
    assert "not for you" not in page
    _assert_branded_with_ways_back(page, sign_in=True)


def test_a_bug_is_a_branded_500(browser_client, branded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(home, "is_community_member", broken)
    response = browser_client.get(reverse("home"))

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "a bug" not in page
    _assert_branded_with_ways_back(page, sign_in=True)


def test_a_member_opening_the_admin_is_told_what_it_is_for(browser_client, member, caplog):
    caplog.set_level(logging.INFO)
    browser_client.force_login(member)

    response = browser_client.get("/admin/", follow=True)

    assert response.status_code == 403
    page = response.content.decode()
    assert "The admin is for community managers" in page
    assert reverse("forums:category-list") in page
    assert reverse("forums:moderation-queue") not in page
    assert branding_get().community_name in page
    _assert_quiet(caplog)


def test_a_volunteer_moderator_opening_the_admin_is_sent_to_the_queue(browser_client, caplog):
    caplog.set_level(logging.INFO)
    volunteer = UserFactory()
    assign_perm("forums.moderate_category", volunteer, CategoryFactory())
    browser_client.force_login(volunteer)

    response = browser_client.get("/admin/forums/post/", follow=True)

    assert response.status_code == 403
    page = response.content.decode()
    assert "The admin is for community managers" in page
    assert f'href="{reverse("forums:moderation-queue")}"' in page
    _assert_quiet(caplog)


def test_a_moderator_by_role_is_sent_to_the_queue_too(browser_client):
    CategoryFactory()
    browser_client.force_login(UserFactory(roles=[roles.MODERATORS]))
    page = browser_client.get("/admin/", follow=True).content.decode()
    assert f'href="{reverse("forums:moderation-queue")}"' in page


def test_the_admin_still_signs_in_visitors_and_opens_for_managers(browser_client):
    response = browser_client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))

    browser_client.force_login(UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True))
    assert browser_client.get("/admin/").status_code == 200
