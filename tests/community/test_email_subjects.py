"""E-mail subjects are plain text: a community name or title with & " ' < reaches the inbox as
those characters, never as the HTML entities the page templates would escape them to."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

from community.models import SiteBranding
from community.services import branding_update
from members import roles
from members.services.approvals import member_application_decline
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = 'Tom & Jerry\'s "<Club>"'
# Every value a subject template names today; a new one gets the community name at least.
VALUE_NAMES = ("sentence", "group_name", "requester_name", "inviter_name", "topic_title")
ENTITY = re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)


@pytest.fixture
def odd_name(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), community_name=NAME)


def test_sign_up_emails_name_the_community_as_written(
    client, odd_name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "pat@example.org",
                "username": "pat",
                "password1": "a-Long-enough-pass-42",
                "password2": "a-Long-enough-pass-42",
            },
        )
    subjects = [m.subject for m in mail.outbox]
    assert f"Welcome to {NAME}" in subjects  # the welcome e-mail
    assert any(s.startswith(f"[{NAME}] ") for s in subjects)  # allauth's verification
    assert not [s for s in subjects if ENTITY.search(s)]


def test_an_application_decision_names_the_community_as_written(
    odd_name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        branding_update(branding=SiteBranding.objects.get(pk=1), approve_new_members=True)
    applicant = UserFactory(username="pat", approval_status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        member_application_decline(
            user=applicant, actor=UserFactory(roles=[roles.COMMUNITY_MANAGERS])
        )
    (message,) = [m for m in mail.outbox if m.to == [applicant.email]]
    assert message.subject == f"Your request to join {NAME}"


def _subject_templates() -> list[str]:
    """Every `*subject*.txt` in the project's template directories, by template name."""
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]]
    roots += [
        Path(settings.BASE_DIR) / app / "templates"
        for app in ("community", "members", "forums", "metrics")
    ]
    return sorted(
        str(path.relative_to(root))
        for root in roots
        if root.is_dir()
        for path in root.rglob("*subject*.txt")
    )


def test_the_subject_templates_are_all_found():
    names = _subject_templates()
    assert "email/welcome_subject.txt" in names
    assert "members/shout_out_email_subject.txt" in names
    assert "email/forums/post_notification_subject.txt" in names


@pytest.mark.parametrize("name", _subject_templates())
def test_every_subject_template_renders_text_without_entities(name):
    """A guard for subject templates to come: each one, given & " ' < in every value it
    names, must render them as they are."""
    odd = 'A & B\'s "<c>"'
    person = SimpleNamespace(public_name=odd)
    context = {
        "branding": SimpleNamespace(community_name=odd),
        **dict.fromkeys(VALUE_NAMES, odd),
        "shout_out": SimpleNamespace(author=person),
        "approved": True,
        "frequency": "daily",
        "post_count": 2,
        "topics": [1, 2],
    }
    rendered = render_to_string(name, context)
    assert odd in rendered, rendered
    assert not ENTITY.search(rendered), rendered
