"""Polls in the admin (list, participation, close and reopen, CSV, breakdowns) and the member
data export: numbers right, and an anonymous poll's voters named nowhere."""

import csv
import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from members import roles
from members.models import Profile, TrustLevel, Visibility
from members.services.data import member_data_export
from members.services.groups import group_create
from polls.models import Poll, PollKind
from polls.services import vote_cast
from tests.members.factories import UserFactory
from tests.polls.factories import make_poll
from tests.query_counts import session_queries

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:polls_poll_changelist"


@pytest.fixture
def manager():
    return UserFactory(roles=[roles.COMMUNITY_MANAGERS], is_staff=True)


@pytest.fixture
def manager_client(manager):
    client = Client()
    client.force_login(manager)
    return client


def ids(poll):
    return list(poll.options.values_list("pk", flat=True))


def csv_rows(client, poll) -> list[list[str]]:
    response = client.get(reverse("admin:polls_poll_results_csv", args=[poll.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def csv_text(client, poll) -> str:
    return client.get(reverse("admin:polls_poll_results_csv", args=[poll.pk])).content.decode()


def breakdown_page(client, poll, dimension: str) -> str:
    url = reverse("admin:polls_poll_breakdown", args=[poll.pk])
    response = client.get(url, {"dimension": dimension})
    assert response.status_code == 200
    return response.content.decode()


def export_of(member) -> list[dict]:
    archive = zipfile.ZipFile(io.BytesIO(member_data_export(member=member)))
    name = next(n for n in archive.namelist() if n.endswith("/poll_votes.json"))
    return json.loads(archive.read(name))


def test_the_list_shows_voters_and_participation_in_bounded_queries(
    manager_client, django_assert_max_num_queries
):
    poll = make_poll()
    voters = UserFactory.create_batch(2)
    for voter in voters:
        vote_cast(poll=poll, voter=voter, selection=ids(poll)[:1])
    for _ in range(5):
        make_poll()
    url = reverse(CHANGELIST)
    manager_client.get(url)
    with django_assert_max_num_queries(12 + session_queries()):
        page = manager_client.get(url).content.decode()
    eligible = with_counts(poll).eligible
    assert f"({2} of {eligible})" in page
    assert "Which one?" in page
    home = manager_client.get(reverse("admin:index")).content.decode()
    assert "Polls: results, breakdowns, participation" in home


def with_counts(poll):
    from polls.selectors import with_participation

    return with_participation(Poll.objects.filter(pk=poll.pk)).get()


def test_close_and_reopen_from_the_admin(manager_client):
    poll = make_poll()
    url = reverse(CHANGELIST)
    response = manager_client.post(url, {"action": "close_polls", "_selected_action": [poll.pk]})
    assert response.status_code == 302
    poll.refresh_from_db()
    assert poll.is_closed and poll.closed_at is not None
    assert "Closed" in manager_client.get(url, {"state": "ended"}).content.decode()
    assert "Which one?" not in manager_client.get(url, {"state": "open"}).content.decode()
    manager_client.post(url, {"action": "reopen_polls", "_selected_action": [poll.pk]})
    poll.refresh_from_db()
    assert not poll.is_closed


def test_ballots_and_choices_have_no_admin_pages(manager_client):
    for model in ("ballot", "choice"):
        assert manager_client.get(f"/admin/polls/{model}/").status_code == 404


def test_others_cannot_reach_the_poll_admin(client):
    poll = make_poll()
    client.force_login(UserFactory(roles=[roles.MODERATORS]))
    response = client.get(reverse("admin:polls_poll_results_csv", args=[poll.pk]))
    assert response.status_code in (302, 403)
    assert "Which one?" not in response.content.decode()


def test_the_csv_has_counts_and_percentages(manager_client):
    poll = make_poll(kind=PollKind.MULTIPLE, options=["=SUM(A1)", "Green", "Blue"])
    red, green, blue = ids(poll)
    for selection in ([red, green], [green], [green, blue], [red, green]):
        vote_cast(poll=poll, voter=UserFactory(), selection=selection)
    rows = csv_rows(manager_client, poll)
    assert ["voters", "4"] in rows
    assert ["'=SUM(A1)", "2", "50.0"] in rows  # a formula is made text
    assert ["Green", "4", "100.0"] in rows
    assert ["Blue", "1", "25.0"] in rows


def test_the_csv_of_a_rating_poll_has_averages_and_distributions(manager_client):
    poll = make_poll(kind=PollKind.RATING, options=["Docs", "Support"])
    docs, support = ids(poll)
    for a, b in ((5, 2), (4, 2), (5, 3)):
        vote_cast(poll=poll, voter=UserFactory(), ratings={docs: a, support: b})
    rows = csv_rows(manager_client, poll)
    assert ["Docs", "3", "4.67", "2", "1", "0", "0", "0"] in rows
    assert ["Support", "3", "2.33", "0", "0", "1", "2", "0"] in rows


def test_the_csv_of_a_ranked_poll_has_its_rounds(manager_client):
    poll = make_poll(kind=PollKind.RANKED)
    red, green, blue = ids(poll)
    for ranking in ([red, green], [red], [green, red], [blue, green], [blue, green]):
        vote_cast(poll=poll, voter=UserFactory(), selection=ranking)
    rows = csv_rows(manager_client, poll)
    assert ["Red", "2", "40.0"] in rows  # first preferences
    assert ["1", "(eliminated)", "Green", ""] in rows
    assert ["2", "Red", "3", "60.0"] in rows  # green's ballot goes on to red
    assert ["winner", "Red"] in rows


def test_breakdowns_by_group_and_by_company_respect_field_visibility(manager, manager_client):
    beta = group_create(actor=manager, name="Beta testers", slug="beta").group
    gold = group_create(actor=manager, name="Gold customers", slug="gold").group
    poll = make_poll()
    red, green, _ = ids(poll)
    ann, bob, cat, dan = UserFactory.create_batch(4)
    beta.user_set.add(ann, bob)
    gold.user_set.add(bob)
    Group.objects.get(name=roles.MODERATORS).user_set.add(cat)  # a role is not a group
    for person, company, visibility in (
        (ann, "Acme", Visibility.MEMBERS),
        (bob, "ACME ", Visibility.PUBLIC),
        (cat, "Globex", Visibility.PRIVATE),
        (dan, "", Visibility.MEMBERS),
    ):
        Profile.objects.update_or_create(
            user=person, defaults={"company": company, "company_visibility": visibility}
        )
    for person, option in ((ann, red), (bob, green), (cat, green), (dan, red)):
        vote_cast(poll=poll, voter=person, selection=[option])

    by_group = breakdown_page(manager_client, poll, "group")
    assert row(by_group, "Beta testers") == ["2", "1 (50.0 %)", "1 (50.0 %)", "0 (0.0 %)"]
    assert row(by_group, "Gold customers") == ["1", "0 (0.0 %)", "1 (100.0 %)", "0 (0.0 %)"]
    assert row(by_group, "In no group") == ["2", "1 (50.0 %)", "1 (50.0 %)", "0 (0.0 %)"]
    assert '<th scope="row">Moderators</th>' not in by_group
    by_company = breakdown_page(manager_client, poll, "company")
    assert row(by_company, "Acme") == ["2", "1 (50.0 %)", "1 (50.0 %)", "0 (0.0 %)"]
    assert row(by_company, "Not shared") == ["1", "0 (0.0 %)", "1 (100.0 %)", "0 (0.0 %)"]
    assert row(by_company, "Not given") == ["1", "1 (100.0 %)", "0 (0.0 %)", "0 (0.0 %)"]
    assert "Globex" not in by_company

    type(ann).objects.filter(pk=ann.pk).update(trust_level=TrustLevel.LEADER)
    by_trust = breakdown_page(manager_client, poll, "trust_level")
    assert row(by_trust, TrustLevel.LEADER.label)[0] == "1"


def test_the_breakdown_by_location_counts_only_me_as_not_shared(manager_client):
    poll = make_poll()
    red, green, _ = ids(poll)
    ann, bob, cat, dan, eve = UserFactory.create_batch(5)
    for person, location, visibility in (
        (ann, "Lyon", Visibility.MEMBERS),
        (bob, " lyon ", Visibility.PUBLIC),
        (cat, "Oslo", Visibility.PRIVATE),
        (dan, "", Visibility.MEMBERS),
        (eve, "Porto", Visibility.PUBLIC),
    ):
        Profile.objects.update_or_create(
            user=person, defaults={"location": location, "location_visibility": visibility}
        )
    for person, option in ((ann, red), (bob, green), (cat, green), (dan, red), (eve, red)):
        vote_cast(poll=poll, voter=person, selection=[option])

    by_location = breakdown_page(manager_client, poll, "location")
    assert row(by_location, "Lyon") == ["2", "1 (50.0 %)", "1 (50.0 %)", "0 (0.0 %)"]
    assert row(by_location, "Porto") == ["1", "1 (100.0 %)", "0 (0.0 %)", "0 (0.0 %)"]
    assert row(by_location, "Not shared") == ["1", "0 (0.0 %)", "1 (100.0 %)", "0 (0.0 %)"]
    assert row(by_location, "Not given") == ["1", "1 (100.0 %)", "0 (0.0 %)", "0 (0.0 %)"]
    # "Only me" stays with its member: neither the place nor a row of its own.
    assert "Oslo" not in by_location
    assert by_location.index(">Lyon<") < by_location.index(">Porto<")
    assert by_location.index(">Porto<") < by_location.index(">Not shared<")


def row(html: str, label: str) -> list[str]:
    """The cells after the row heading `label` of the breakdown table."""
    start = html.index(f'<th scope="row">{label}</th>')
    end = html.index("</tr>", start)
    cells = html[start:end].split("<td>")[1:]
    return [cell.split("</td>")[0] for cell in cells]


def test_trust_levels_are_listed_as_a_ladder_lowest_first(manager_client):
    poll = make_poll()
    red = ids(poll)[0]
    for level in (TrustLevel.LEADER, TrustLevel.BASIC, TrustLevel.BASIC, TrustLevel.NEW):
        vote_cast(poll=poll, voter=UserFactory(trust_level=level), selection=[red])
    page = breakdown_page(manager_client, poll, "trust_level")
    positions = [
        page.index(f'<th scope="row">{level.label}</th>')
        for level in (TrustLevel.NEW, TrustLevel.BASIC, TrustLevel.LEADER)
    ]
    assert positions == sorted(positions)


def test_an_anonymous_poll_names_no_voter_in_the_admin_csv_or_export(manager_client):
    voter = UserFactory(username="zquartermaine", display_name="Zelda Quartermaine")
    poll = make_poll(is_anonymous=True)
    vote_cast(poll=poll, voter=voter, selection=ids(poll)[1:2])
    pages = [
        manager_client.get(reverse(CHANGELIST)).content.decode(),
        manager_client.get(reverse("admin:polls_poll_change", args=[poll.pk])).content.decode(),
        breakdown_page(manager_client, poll, "group"),
        csv_text(manager_client, poll),
    ]
    for page in pages:
        assert "Zelda" not in page
        assert "zquartermaine" not in page
    assert "cannot be split by group or profile" in pages[2]
    assert "<table" not in pages[2]
    assert "Green,1,100.0" in pages[3]

    (vote,) = export_of(voter)
    assert vote["poll_id"] == poll.pk and vote["anonymous"] is True
    assert vote["choices"] is None
    assert "Green" not in json.dumps(vote)


def test_a_public_vote_is_in_the_members_export_with_its_choices():
    voter = UserFactory()
    poll = make_poll(kind=PollKind.RANKED)
    red, green, blue = ids(poll)
    vote_cast(poll=poll, voter=voter, selection=[blue, red])
    vote_cast(poll=poll, voter=UserFactory(), selection=[green])
    (vote,) = export_of(voter)
    assert vote["question"] == "Which one?"
    assert vote["choices"] == [
        {"option": "Red", "rank": 2, "rating": None},
        {"option": "Blue", "rank": 1, "rating": None},
    ]
