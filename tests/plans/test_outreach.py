"""Outreach e-mails from a plan report: a manager e-mails a whole outreach list from the
admin, each member gets it once (retries and doubled tasks send nothing more), members who
unsubscribed or left are skipped, bad input is refused with a reason, and the next report
counts who came back and posted within 30 days."""

from datetime import date, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from community.models import EmailPreferences
from forums.services import limits
from members import roles
from members.models import User
from plans.models import OutreachCampaign, OutreachMessage, PlanReport
from plans.outreach import campaign_create, campaign_outcomes, campaign_send
from plans.services import report_claim
from plans.tasks import plan_report_generate
from tests.metrics.community import at, joined, posted

pytestmark = pytest.mark.django_db

SITE = "http://testserver.example"
START = date(2026, 6, 1)
BEFORE = at(date(2026, 1, 5))
NEWCOMERS = ("nia", "noel", "nora")


@pytest.fixture(autouse=True)
def _setup(settings, monkeypatch):
    settings.SITE_URL = SITE
    monkeypatch.setattr(limits, "POST_SPACING_LIMITS", ())


@pytest.fixture
def people():
    """ann lapses; nia, noel, nora and ned (no e-mail address) joined in the period and never
    posted; carmen manages the community, evan is an executive with admin access."""
    people = {"ann": joined("ann", BEFORE)}
    people["carmen"] = joined("carmen", BEFORE, is_staff=True, roles=[roles.COMMUNITY_MANAGERS])
    people["evan"] = joined("evan", BEFORE, roles=[roles.EXECUTIVES])
    # Given the admin by hand (roles alone make only managers staff): reads, never changes.
    User.objects.filter(pk=people["evan"].pk).update(is_staff=True)
    for n, name in enumerate(NEWCOMERS):
        people[name] = joined(name, at(date(2026, 7, 1 + n)), display_name=name.title())
    people["ned"] = joined("ned", at(date(2026, 7, 9)), email="")
    posted(people["ann"], at(date(2026, 6, 10)))
    return people


@pytest.fixture
def report(people) -> PlanReport:
    claim = report_claim(start=START)
    plan_report_generate.delay(claim.report.pk)
    return PlanReport.objects.get(pk=claim.report.pk)


def _send(client, report, list_key, subject, body, *, execute=True, capture):
    url = reverse("admin:plans_planreport_outreach", args=[report.pk, list_key])
    with capture(execute=execute):
        return client.post(url, {"subject": subject, "body": body})


def _create(report, people, list_key="never_posted", subject="Hi {name}", body="Hello {name}"):
    return campaign_create(
        report=report, list_key=list_key, subject=subject, body=body, actor=people["carmen"]
    )


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _emails(people, *names) -> list[str]:
    return sorted(people[name].email for name in names)


def test_a_manager_emails_a_list_and_each_member_gets_it_once_with_the_unsubscribe_link(
    people, report, client, django_capture_on_commit_callbacks
):
    assert {row["username"] for row in report.data["outreach"]["never_posted"]["members"]} == {
        *NEWCOMERS,
        "ned",
    }
    client.force_login(people["carmen"])
    change = client.get(reverse("admin:plans_planreport_change", args=[report.pk]))
    form_url = reverse("admin:plans_planreport_outreach", args=[report.pk, "never_posted"])
    assert form_url in change.content.decode() and "E-mail this list (4)" in change.content.decode()
    page = client.get(form_url)
    assert page.status_code == 200
    assert "say hello?" in page.context["form"].initial["subject"]  # a draft to start from

    response = _send(
        client,
        report,
        "never_posted",
        "Welcome, {name}",
        "Hello {name},\n\n<b>Tell us</b> what brought you here.",
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    # ned has no address: skipped. Everyone else once, addressed by name.
    assert _recipients() == _emails(people, *NEWCOMERS)
    message = next(m for m in mail.outbox if m.to == [people["nia"].email])
    assert message.subject == "Welcome, Nia"
    assert message.body.startswith("Hello Nia,\n\n<b>Tell us</b>")  # plain text as written
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Tell us&lt;/b&gt;" in html and "<b>" not in html
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{SITE}/accounts/unsubscribe/")
    assert unsubscribe in message.body and unsubscribe in html
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    campaign = OutreachCampaign.objects.get()
    assert campaign.sent_at is not None and campaign.created_by == people["carmen"]
    assert (campaign.listed, campaign.sent_count, campaign.skipped_count) == (4, 3, 1)
    change = client.get(reverse("admin:plans_planreport_change", args=[report.pk]))
    assert "Sent to 3 of 4" in change.content.decode()


def test_a_published_report_is_read_only_but_its_lists_can_be_emailed(
    people, report, client, django_capture_on_commit_callbacks
):
    client.force_login(people["carmen"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:plans_planreport_publish", args=[report.pk]))
    mail.outbox.clear()
    page = client.get(reverse("admin:plans_planreport_change", args=[report.pk]))
    assert "E-mail this list (1)" in page.content.decode()  # lapsing: ann
    response = _send(
        client,
        report,
        "lapsing",
        "We miss you",
        "Come back",
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 302
    assert _recipients() == _emails(people, "ann")


def test_a_retried_or_doubled_send_sends_nobody_a_second_email(
    people, report, django_capture_on_commit_callbacks, monkeypatch
):
    real_send = EmailMultiAlternatives.send
    calls = []

    def flaky(message, *args, **kwargs):
        calls.append(message.to)
        if len(calls) == 2:
            raise SMTPServerDisconnected("the mail server went away")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    # The second e-mail fails: the task asks Celery to retry and the first stays sent.
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        campaign = _create(report, people)
    assert len(mail.outbox) == 1
    assert OutreachMessage.objects.filter(sent_at__isnull=False).count() == 1
    assert OutreachCampaign.objects.get().sent_at is None

    assert campaign_send(campaign_id=campaign.pk) == 2  # the retry carries on
    assert _recipients() == _emails(people, *NEWCOMERS)
    # A duplicated task, whether it finds the campaign finished or not, sends nothing.
    assert campaign_send(campaign_id=campaign.pk) == 0
    OutreachCampaign.objects.filter(pk=campaign.pk).update(sent_at=None)
    assert campaign_send(campaign_id=campaign.pk) == 0
    assert len(mail.outbox) == 3
    assert OutreachMessage.objects.count() == 3


def test_members_who_unsubscribed_or_left_get_nothing(
    people, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _create(report, people, subject="First {name}")
    nia_mail = next(m for m in mail.outbox if m.to == [people["nia"].email])
    unsubscribe = nia_mail.extra_headers["List-Unsubscribe"].strip("<>")
    page = Client(enforce_csrf_checks=True).post(
        unsubscribe.removeprefix(SITE), {"List-Unsubscribe": "One-Click"}
    )
    assert page.status_code == 200 and b"You are unsubscribed" in page.content
    preferences = EmailPreferences.objects.get(user=people["nia"])
    assert (preferences.on_outreach, preferences.on_mention) == (False, True)
    User.objects.filter(pk=people["noel"].pk).update(is_active=False)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        second = _create(report, people, subject="Second {name}")
    assert _recipients() == _emails(people, "nora")
    second.refresh_from_db()
    assert (second.sent_count, second.skipped_count) == (1, 3)


def test_the_preferences_page_turns_outreach_emails_off_and_on(people, client):
    client.force_login(people["nia"])
    url = reverse("notifications:email-preferences")
    assert client.get(url).context["form"].initial["on_outreach"] is True
    client.post(url, {"on_mention": "on", "on_reply": "on", "digest": "weekly"})
    assert EmailPreferences.objects.get(user=people["nia"]).on_outreach is False
    client.post(url, {"on_reply": "on", "digest": "weekly", "on_outreach": "on"})
    preferences = EmailPreferences.objects.get(user=people["nia"])
    assert (preferences.on_outreach, preferences.on_mention) == (True, False)


@pytest.mark.parametrize(
    ("list_key", "subject", "body", "message"),
    [
        ("everyone", "Hi", "Hello", "no outreach list"),
        ("unthanked", "Hi", "Hello", "Nobody is on the list"),
        ("never_posted", "   ", "Hello", "needs a subject"),
        ("never_posted", "Hi", "\n", "needs a text"),
        ("never_posted", "Hi", "x" * 5_001, "at most 5,000"),
    ],
)
def test_bad_input_is_refused_with_a_reason(people, report, list_key, subject, body, message):
    with pytest.raises(ValidationError, match=message):
        _create(report, people, list_key=list_key, subject=subject, body=body)
    assert not OutreachCampaign.objects.exists()


def test_a_report_still_being_generated_cannot_be_emailed_from(people):
    claim = report_claim(start=START)
    with pytest.raises(ValidationError, match="still being generated"):
        _create(claim.report, people)


def test_a_double_submit_emails_the_list_once(
    people, report, client, django_capture_on_commit_callbacks
):
    client.force_login(people["carmen"])
    # The second post arrives while the first is still being sent…
    first = _send(
        client,
        report,
        "never_posted",
        "Hi",
        "Hello",
        execute=False,
        capture=django_capture_on_commit_callbacks,
    )
    second = _send(
        client,
        report,
        "never_posted",
        "Hi",
        "Hello",
        execute=False,
        capture=django_capture_on_commit_callbacks,
    )
    assert first.status_code == 302
    assert second.status_code == 200 and "is being sent" in second.content.decode()
    campaign = OutreachCampaign.objects.get()
    campaign_send(campaign_id=campaign.pk)
    # … or after it went out.
    third = _send(
        client, report, "never_posted", "Hi", "Hello", capture=django_capture_on_commit_callbacks
    )
    assert "was sent to “New members who never posted” already" in third.content.decode()
    assert OutreachCampaign.objects.count() == 1
    assert _recipients() == _emails(people, *NEWCOMERS)


def test_only_managers_may_email_a_list(people, report, client, django_capture_on_commit_callbacks):
    client.force_login(people["evan"])  # staff, reads reports, may not change them
    url = reverse("admin:plans_planreport_outreach", args=[report.pk, "never_posted"])
    assert client.get(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"subject": "Hi", "body": "Hello"}).status_code == 403
    page = client.get(reverse("admin:plans_planreport_change", args=[report.pk]))
    assert url not in page.content.decode()
    client.force_login(people["nia"])  # a member: not even into the admin
    assert client.post(url, {"subject": "Hi", "body": "Hello"}).status_code == 302
    assert not OutreachCampaign.objects.exists() and not mail.outbox


def test_the_next_report_counts_who_came_back_and_posted_within_30_days(
    people, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = _create(report, people)
    sent = at(date(2026, 9, 1))
    OutreachMessage.objects.filter(campaign=campaign).update(sent_at=sent)
    posted(people["nia"], sent + timedelta(days=29))  # came back
    posted(people["noel"], sent + timedelta(days=31))  # too late to count
    # nora never posted.

    [outcome] = campaign_outcomes(report)
    assert (outcome["list_key"], outcome["messaged"], outcome["came_back"]) == (
        "never_posted",
        3,
        1,
    )
    assert outcome["share"] == pytest.approx(1 / 3)

    claim = report_claim(start=START + timedelta(days=90))
    plan_report_generate.delay(claim.report.pk)
    following = PlanReport.objects.get(pk=claim.report.pk)
    assert following.data["outreach_outcomes"] == [outcome]
    assert "Last quarter's outreach" in following.html
    assert "New members who never posted" in following.html and "33.3 %" in following.html
