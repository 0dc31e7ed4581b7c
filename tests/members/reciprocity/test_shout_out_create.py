from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import ratelimit
from community.exceptions import ApplicationError
from community.models import Notification
from community.ratelimit import RateLimited
from members.models import ApprovalStatus, ShoutOut, SupportAct, SupportKind
from members.services.reciprocity import shout_out_create, shout_out_notify
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recipient():
    return UserFactory(username="rosa", display_name="Rosa Diaz")


@pytest.fixture
def clock(monkeypatch):
    """Moves the rate limiter's clock (only its module's view of time)."""
    state = SimpleNamespace(now=datetime(2025, 6, 2, 0, 30, tzinfo=UTC))
    monkeypatch.setattr(ratelimit, "timezone", SimpleNamespace(now=lambda: state.now))
    return state


def _nothing_stored():
    return not ShoutOut.objects.exists() and not SupportAct.objects.exists()


def test_shout_out_is_stored_with_a_support_act_and_mailed_to_the_recipient_after_commit(
    member, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        shout_out = shout_out_create(
            author=member, recipient=recipient, message="  Rosa untangled our SSO setup.  "
        )

    assert shout_out.message == "Rosa untangled our SSO setup."
    act = SupportAct.objects.get()
    assert (act.giver, act.receiver, act.kind) == (member, recipient, SupportKind.SHOUT_OUT)
    assert act.target == shout_out
    assert act.occurred_at == shout_out.created_at
    assert callbacks  # the notice and the e-mail wait for the commit
    assert Notification.objects.get().recipient == recipient
    (message,) = mail.outbox
    assert message.to == [recipient.email]
    assert member.public_name in message.subject
    assert "Rosa untangled our SSO setup." in message.body


def test_nothing_is_mailed_when_the_transaction_rolls_back(
    member, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shout_out_create(author=member, recipient=recipient, message="Thanks!")

    # The in-app notice and the e-mail, queued for commit; beside them the supporters
    # ledger's version and the recipient's profile version, replaced again once the
    # shout-out is there to see (members.access).
    assert len(callbacks) == 4
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_shout_out_to_yourself_is_refused_with_a_clear_message(member):
    with pytest.raises(ValidationError, match="can't give yourself a shout-out"):
        shout_out_create(author=member, recipient=member, message="I am great")

    assert _nothing_stored()


@pytest.mark.parametrize(
    "author_state",
    [
        {"approval_status": ApprovalStatus.PENDING},
        {"approval_status": ApprovalStatus.DECLINED},
        {"is_active": False},
        {"erased_at": datetime(2025, 1, 1, tzinfo=UTC)},
    ],
)
def test_only_community_members_can_give_shout_outs(recipient, author_state):
    author = UserFactory(**author_state)

    with pytest.raises(PermissionDenied):
        shout_out_create(author=author, recipient=recipient, message="Hello")

    assert _nothing_stored()


def test_shout_out_to_someone_who_is_no_longer_a_member_is_refused(member):
    gone = UserFactory(erased_at=timezone.now(), is_active=False)

    with pytest.raises(ApplicationError, match="not a member"):
        shout_out_create(author=member, recipient=gone, message="Hello")

    assert _nothing_stored()


@pytest.mark.parametrize("message", ["", "   \n  ", "x" * 281])
def test_message_must_be_between_1_and_280_characters(member, recipient, message):
    with pytest.raises(ValidationError) as excinfo:
        shout_out_create(author=member, recipient=recipient, message=message)

    assert "message" in excinfo.value.message_dict
    assert _nothing_stored()


def test_message_of_exactly_280_characters_is_accepted(member, recipient):
    shout_out = shout_out_create(author=member, recipient=recipient, message="x" * 280)

    assert len(shout_out.message) == 280


def test_hostile_markup_is_stored_as_plain_text_source(member, recipient):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'

    shout_out = shout_out_create(author=member, recipient=recipient, message=hostile)

    assert ShoutOut.objects.get(pk=shout_out.pk).message == hostile


def test_a_burst_over_five_an_hour_is_refused_with_a_message_and_stores_nothing(member, clock):
    recipients = UserFactory.create_batch(6)
    for recipient in recipients[:5]:
        shout_out_create(author=member, recipient=recipient, message="You rock")

    with pytest.raises(RateLimited) as excinfo:
        shout_out_create(author=member, recipient=recipients[5], message="You rock")

    assert "5 shout-outs an hour" in excinfo.value.message
    assert 0 < excinfo.value.retry_after <= 3600
    assert ShoutOut.objects.count() == 5
    assert SupportAct.objects.count() == 5
    assert not ShoutOut.objects.filter(recipient=recipients[5]).exists()


def test_the_hourly_limit_reopens_the_next_hour_and_the_daily_limit_holds_at_twenty(member, clock):
    others = UserFactory.create_batch(3)
    for hour in range(4):
        clock.now = datetime(2025, 6, 2, hour, 30, tzinfo=UTC)
        for n in range(5):
            shout_out_create(author=member, recipient=others[n % 3], message=f"{hour}-{n}")
    clock.now = datetime(2025, 6, 2, 5, 30, tzinfo=UTC)

    with pytest.raises(RateLimited, match="20 shout-outs a day"):
        shout_out_create(author=member, recipient=others[0], message="one more")

    assert ShoutOut.objects.filter(author=member).count() == 20
    clock.now = datetime(2025, 6, 3, 0, 30, tzinfo=UTC)
    shout_out_create(author=member, recipient=others[0], message="a new day")


def test_rate_limits_are_per_author(member, recipient, clock):
    for _ in range(5):
        shout_out_create(author=member, recipient=recipient, message="again")

    shout_out_create(author=UserFactory(), recipient=recipient, message="me too")

    assert ShoutOut.objects.count() == 6


def test_invalid_attempts_do_not_use_up_the_allowance(member, recipient, clock):
    for _ in range(10):
        with pytest.raises(ValidationError):
            shout_out_create(author=member, recipient=recipient, message="")

    for _ in range(5):
        shout_out_create(author=member, recipient=recipient, message="now for real")


def test_the_notification_is_sent_once_even_if_the_task_runs_twice(member, recipient):
    shout_out = ShoutOut.objects.create(author=member, recipient=recipient, message="Thanks")

    assert shout_out_notify(shout_out_id=shout_out.pk) is True
    assert shout_out_notify(shout_out_id=shout_out.pk) is False
    assert len(mail.outbox) == 1


def test_no_mail_for_a_hidden_shout_out_or_an_erased_recipient(member, recipient):
    hidden = ShoutOut.objects.create(
        author=member, recipient=recipient, message="x", hidden_at=timezone.now()
    )
    gone = UserFactory(erased_at=timezone.now() - timedelta(days=1))
    to_gone = ShoutOut.objects.create(author=member, recipient=gone, message="x")

    assert shout_out_notify(shout_out_id=hidden.pk) is False
    assert shout_out_notify(shout_out_id=to_gone.pk) is False
    assert shout_out_notify(shout_out_id=999_999) is False
    assert mail.outbox == []


def test_a_display_name_with_a_newline_cannot_break_the_mail_subject(recipient):
    author = UserFactory(display_name="Eve\nBcc: victim@example.org")
    shout_out = ShoutOut.objects.create(author=author, recipient=recipient, message="hi")

    shout_out_notify(shout_out_id=shout_out.pk)

    (message,) = mail.outbox
    assert "\n" not in message.subject
    assert message.bcc == []


def test_the_mail_links_to_the_profile_with_an_absolute_address(member, recipient, settings):
    settings.SITE_URL = "https://hearth.example.org/"
    shout_out = ShoutOut.objects.create(author=member, recipient=recipient, message="hi")

    shout_out_notify(shout_out_id=shout_out.pk)

    (message,) = mail.outbox
    assert "https://hearth.example.org/members/rosa/" in message.body
    assert "(/members/rosa/)" not in message.body
