import sqlite3
from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import FooterLink, SiteBranding
from community.selectors import branding_get
from demo.members import (
    DEMO_ACCOUNTS,
    DEMO_COMMUNITY_NAME,
    DEMO_PASSWORD,
    demo_community_seed,
    demo_join_anchor,
    demo_members_generate,
)
from members import roles
from members.models import User
from members.services.trust import helpfulness_recompute
from members.validators import username_validators

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = [account.username for account in DEMO_ACCOUNTS]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--no-progress", "--history", "none", *args, stdout=out)
    return out.getvalue()


def _accounts():
    return User.objects.exclude(username=settings.ANONYMOUS_USER_NAME)


def _wipe_accounts() -> None:
    """Back to a fresh database as far as the seed is concerned."""
    _accounts().delete()
    FooterLink.objects.all().delete()
    Group.objects.filter(profile__isnull=False).delete()  # the demo's private groups


@pytest.fixture
def seeded():
    _seed("--members", "25")


def test_demo_accounts_have_one_role_each_and_only_the_manager_is_staff(seeded):
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.email == account.email
        assert user.display_name == account.display_name
        role_groups = user.groups.filter(name__in=roles.ALL_ROLES)
        assert set(role_groups.values_list("name", flat=True)) == set(account.role_names)
        assert user.is_staff is (roles.COMMUNITY_MANAGERS in account.role_names)
        assert not user.is_superuser
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(
            user=user, email=account.email, verified=True, primary=True
        ).exists()
        assert user.welcome_email_sent_at == user.date_joined == user.created_at


def test_each_demo_account_can_log_in_by_email(seeded, client):
    for account in DEMO_ACCOUNTS:
        response = client.post(
            "/accounts/login/", {"login": account.email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, account.username
        assert client.session["_auth_user_id"] == str(
            User.objects.get(username=account.username).pk
        )
        client.logout()


def test_seed_creates_exactly_the_requested_members_ready_to_log_in(seeded):
    assert _accounts().count() == 25 + len(DEMO_ACCOUNTS)
    assert not _accounts().exclude(groups__name=roles.MEMBERS).exists()

    generated = list(_accounts().exclude(username__in=DEMO_USERNAMES))
    assert len(generated) == 25
    usernames = [user.username for user in generated]
    assert len({name.lower() for name in usernames}) == 25
    assert len({user.email for user in generated}) == 25
    for user in generated:
        for validator in username_validators:
            validator(user.username)  # raises ValidationError when invalid
        assert user.display_name == f"{user.first_name} {user.last_name}"
        assert user.check_password(DEMO_PASSWORD)
        assert user.created_at == user.date_joined == user.welcome_email_sent_at

    verified = EmailAddress.objects.filter(user__in=generated, verified=True, primary=True)
    assert verified.count() == 25
    # Marked as welcomed, so nothing was queued to the (fictional) addresses.
    assert mail.outbox == []


def test_the_seeded_directory_ranks_most_helpful_members_without_waiting_a_night(seeded):
    # The seed stores the same scores the nightly job would compute from its support acts.
    stored = dict(_accounts().values_list("pk", "helpful_score"))
    assert any(stored.values())
    helpfulness_recompute()
    assert dict(_accounts().values_list("pk", "helpful_score")) == stored


def test_join_dates_spread_over_the_last_eighteen_months(seeded):
    anchor = demo_join_anchor()
    dates = list(_accounts().values_list("date_joined", flat=True))
    assert all(anchor - timedelta(days=549) <= joined <= anchor for joined in dates)
    assert max(dates) - min(dates) > timedelta(days=180)


def test_branding_becomes_acme_with_three_footer_links(django_capture_on_commit_callbacks):
    branding_get()  # warm the cache: the seed must bust it
    with django_capture_on_commit_callbacks(execute=True):
        _seed("--members", "0")

    branding = SiteBranding.objects.get()
    assert branding.community_name == DEMO_COMMUNITY_NAME
    assert "<h2>" in branding.welcome_html
    assert FooterLink.objects.filter(branding=branding).count() == 3
    snapshot = branding_get()
    assert snapshot.community_name == DEMO_COMMUNITY_NAME
    assert len(snapshot.footer_links) == 3


def test_generated_members_are_the_same_for_the_same_seed():
    anchor = demo_join_anchor()

    def generate(seed: int) -> list[tuple[str, str, str]]:
        members = demo_members_generate(count=500, seed=seed, anchor=anchor, taken=DEMO_USERNAMES)
        return [(member.username, member.email, member.display_name) for member in members]

    first = generate(2026)
    assert first == generate(2026)
    assert first != generate(2027)
    usernames = [username for username, _, _ in first]
    assert len({name.lower() for name in usernames}) == 500
    assert not {name.lower() for name in usernames} & set(DEMO_USERNAMES)


def test_seeding_twice_into_fresh_databases_gives_the_same_members():
    def seeded_people() -> list[tuple[str, str]]:
        demo_community_seed(members=40, seed=7, progress=False)
        return list(_accounts().order_by("pk").values_list("username", "email"))

    first = seeded_people()
    _wipe_accounts()
    assert seeded_people() == first


def test_generated_usernames_stay_valid_over_a_large_crowd():
    members = demo_members_generate(count=5000, seed=1, anchor=demo_join_anchor())
    usernames = [member.username for member in members]
    assert len({name.lower() for name in usernames}) == 5000
    for username in usernames:
        assert 3 <= len(username) <= 30
        for validator in username_validators:
            validator(username)


def test_if_empty_seeds_a_fresh_database_and_then_leaves_it_alone():
    _seed("--if-empty", "--members", "5")
    assert _accounts().count() == 5 + len(DEMO_ACCOUNTS)

    output = _seed("--if-empty", "--members", "5")

    assert "already has members" in output
    assert _accounts().count() == 5 + len(DEMO_ACCOUNTS)


def test_refuses_a_database_with_accounts_without_if_empty(seeded):
    with pytest.raises(CommandError, match="fresh"):
        _seed("--members", "5")
    assert _accounts().count() == 25 + len(DEMO_ACCOUNTS)


def test_refuses_when_someone_already_signed_up():
    User.objects.create_user(username="early-bird", email="early@example.org", password="x")
    with pytest.raises(CommandError, match="already has member accounts"):
        _seed("--members", "5")
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()


@pytest.fixture
def one_insert_per_batch(monkeypatch):
    """Django 5.2 assumes SQLite's historical limit of 999 variables and splits a 200-row
    user INSERT into chunks of about 50 rows; SQLite 3.32+ allows far more. Use the real
    limit, so the count below measures the seed's statements and not Django's chunking."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        monkeypatch.setattr(connection.features, "max_query_params", limit)


def test_query_count_does_not_grow_with_the_number_of_members(one_insert_per_batch):
    with CaptureQueriesContext(connection) as fifty:
        demo_community_seed(members=50, seed=1, progress=False)
    _wipe_accounts()
    with CaptureQueriesContext(connection) as two_hundred:
        demo_community_seed(members=200, seed=1, progress=False)

    assert _accounts().count() == 200 + len(DEMO_ACCOUNTS)
    assert len(two_hundred) == len(fifty)


def test_demo_logins_lists_each_role_and_the_admin(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()

    assert f"Demo log-ins (password: {DEMO_PASSWORD})" in text
    for account in DEMO_ACCOUNTS:
        assert account.role in text
        assert account.email in text
    assert "http://127.0.0.1:8000/" in text
    assert "http://127.0.0.1:8000/admin/" in text


def test_demo_logins_points_to_make_seed_before_seeding():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "run make seed" in out.getvalue()
