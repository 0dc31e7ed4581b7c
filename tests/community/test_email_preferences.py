import pytest

from community.email_preferences import email_wanted_by
from community.models import DigestFrequency, EmailPreferences
from tests.html import parse_elements
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/notifications/email/"


def test_the_page_shows_the_defaults_without_writing_a_row(client_as_member, member):
    response = client_as_member.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="on_mention"' in html and 'name="on_reply"' in html
    checked = [
        attrs["value"]
        for tag, attrs in parse_elements(html)
        if tag == "input" and attrs.get("name") == "digest" and "checked" in attrs
    ]
    assert checked == ["weekly"]
    assert not EmailPreferences.objects.exists()


def test_saving_the_form_stores_the_three_switches(client_as_member, member):
    response = client_as_member.post(URL, {"on_reply": "on", "digest": "daily"}, follow=True)
    assert b"Your e-mail preferences are saved." in response.content
    preferences = EmailPreferences.objects.get(user=member)
    assert (preferences.on_mention, preferences.on_reply, preferences.digest) == (
        False,
        True,
        DigestFrequency.DAILY,
    )
    assert email_wanted_by(user_ids=[member.pk], kind="mention") == set()
    assert email_wanted_by(user_ids=[member.pk], kind="reply") == {member.pk}


@pytest.mark.parametrize("digest", ["hourly", "", "daily\x00"])
def test_a_bad_choice_is_a_form_error_and_changes_nothing(client_as_member, member, digest):
    response = client_as_member.post(URL, {"on_mention": "on", "digest": digest})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not EmailPreferences.objects.exists()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_notifications_list_links_to_the_preferences(client_as_member):
    assert b'href="/notifications/email/"' in client_as_member.get("/notifications/").content


def test_missing_rows_mean_every_mail_is_wanted():
    people = [UserFactory() for _ in range(3)]
    EmailPreferences.objects.create(user=people[0], digest=DigestFrequency.NEVER)
    ids = [person.pk for person in people]
    assert email_wanted_by(user_ids=ids, kind="digest") == set(ids[1:])
    assert email_wanted_by(user_ids=ids, kind="mention") == set(ids)
