"""Members suggest resources through a form; community managers accept or decline them in
the admin's curation queue, and the member hears the decision."""

import pytest
from django.urls import reverse

from community.models import Notification
from library import suggestions
from library.models import (
    Credit,
    LibraryAccess,
    Resource,
    ResourceKind,
    Suggestion,
    SuggestionStatus,
)
from members.models import SupportAct, SupportKind
from tests.library.conftest import client_for
from tests.library.factories import CollectionFactory

pytestmark = pytest.mark.django_db

SUGGEST = "/library/suggest/"


def suggestion_data(**overrides):
    data = {
        "title": "OWASP cheat sheets",
        "url": "https://cheatsheetseries.owasp.org/",
        "description": "",
        "reason": "Every integrator asks about secure defaults.",
        "collection": "",
    }
    data.update(overrides)
    return data


def test_the_library_links_the_suggestion_form(client_as_member):
    assert reverse("library:suggest") == SUGGEST
    assert f'href="{SUGGEST}"' in client_as_member.get("/library/").content.decode()


def test_a_member_suggests_a_resource_through_the_form(client_as_member, member):
    collection = CollectionFactory(title="Security")
    response = client_as_member.post(SUGGEST, suggestion_data(collection=collection.pk))
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.suggested_by, suggestion.collection) == (member, collection)
    assert suggestion.status == SuggestionStatus.PENDING
    page = client_as_member.get(SUGGEST).content.decode()
    assert "OWASP cheat sheets" in page and "Waiting for a curator" in page


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(SUGGEST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "JaVaScRiPt:alert(1)"],
)
def test_script_and_data_links_are_refused(client_as_member, url):
    response = client_as_member.post(SUGGEST, suggestion_data(url=url))
    assert response.status_code == 400
    assert "http://" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_oversized_fields_are_refused_with_a_message(client_as_member):
    response = client_as_member.post(
        SUGGEST, suggestion_data(title="x" * 201, reason="y" * 2001, url="")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Titles can be at most 200 characters" in html
    assert "at most 2,000 characters" in html
    assert not Suggestion.objects.exists()


def test_a_suggestion_needs_a_link_or_a_description(client_as_member):
    response = client_as_member.post(SUGGEST, suggestion_data(url="", description=" "))
    assert response.status_code == 400
    assert "Give a link or describe the resource." in response.content.decode()


def test_a_hidden_collection_cannot_be_picked(client_as_member):
    hidden = CollectionFactory(private=True)
    response = client_as_member.post(SUGGEST, suggestion_data(collection=hidden.pk))
    assert response.status_code == 400 and not Suggestion.objects.exists()


def test_a_double_submit_stores_one_suggestion(client_as_member):
    client_as_member.post(SUGGEST, suggestion_data())
    client_as_member.post(SUGGEST, suggestion_data())
    assert Suggestion.objects.count() == 1


def test_suggestions_are_rate_limited_per_member(client_as_member, member):
    for number in range(5):
        client_as_member.post(SUGGEST, suggestion_data(title=f"Guide {number}"))
    response = client_as_member.post(SUGGEST, suggestion_data(title="One too many"))
    assert response.status_code == 429
    assert "5 suggestions an hour" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert Suggestion.objects.count() == 5


def decide(manager, suggestion, **data):
    return client_for(manager).post(
        reverse("admin:library_suggestion_change", args=[suggestion.pk]),
        {"decision": "", "decline_reason": "", **data},
    )


def test_the_admin_home_counts_the_suggestions_waiting(manager, member):
    suggestions.suggestion_create(author=member, title="A", url="https://a.example", reason="r")
    html = client_for(manager).get(reverse("admin:index")).content.decode()
    assert "Suggestions to curate: 1 waiting" in html


def test_a_manager_accepts_a_suggestion_in_the_admin(
    manager, member, django_capture_on_commit_callbacks
):
    collection = CollectionFactory()
    suggestion = suggestions.suggestion_create(
        author=member,
        title="OWASP",
        url="https://owasp.org/",
        reason="Secure defaults.",
        collection=collection,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(manager, suggestion, decision="accept")
    assert response.status_code == 302
    suggestion.refresh_from_db()
    resource = Resource.objects.get()
    assert suggestion.status == SuggestionStatus.ACCEPTED and suggestion.resource == resource
    assert (resource.kind, resource.url, resource.access) == (
        ResourceKind.LINK,
        "https://owasp.org/",
        LibraryAccess.PRIVATE,
    )
    assert list(resource.collections.all()) == [collection]
    assert Credit.objects.get().member == member
    assert SupportAct.objects.filter(
        receiver=member, kind=SupportKind.LIBRARY_CREDIT, giver=manager
    ).exists()
    notice = Notification.objects.get(recipient=member)
    assert "was accepted" in notice.verb
    # Deciding again changes nothing.
    again = decide(manager, suggestion, decision="decline", decline_reason="No.")
    assert again.status_code == 200
    assert Resource.objects.count() == 1
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ACCEPTED


def test_a_manager_declines_with_a_reason_the_member_reads(
    manager, member, django_capture_on_commit_callbacks
):
    suggestion = suggestions.suggestion_create(
        author=member, title="My blog", url="https://blog.example/", reason="It is great."
    )
    no_reason = decide(manager, suggestion, decision="decline")
    assert no_reason.status_code == 200
    assert "Say why" in no_reason.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decide(manager, suggestion, decision="decline", decline_reason="Self-promotion.")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DECLINED
    assert not Resource.objects.exists()
    assert "Self-promotion." in Notification.objects.get(recipient=member).verb
    assert "Self-promotion." in client_for(member).get(SUGGEST).content.decode()


def test_members_cannot_open_the_curation_queue(member):
    response = client_for(member).get(reverse("admin:library_suggestion_changelist"))
    assert response.status_code in (302, 403)
