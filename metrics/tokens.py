"""API tokens: created by a community manager in the admin for a person who reads the
dashboard, shown once, stored as a SHA-256 hash, revocable, stamped when used."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from community.exceptions import ApplicationError
from metrics.models import ApiToken
from metrics.permissions import can_view_dashboard

KEY_PREFIX = "hearth_"
# A token used all day long is stamped at most this often: one UPDATE per API call would
# make a busy BI tool the heaviest writer of the table.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, owner, name: str) -> tuple[ApiToken, str]:
    """A new token for `owner` and its key, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Give the token a name that says what it is for.")
    if not can_view_dashboard(owner):
        raise ApplicationError(
            f"{owner} cannot read the dashboard; a token would act as them and be refused."
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        owner=owner, name=name[:100], prefix=key[: len(KEY_PREFIX) + 4], key_hash=_hash(key)
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])


def api_token_user(authorization: str):
    """The owner of the live token in an `Authorization: Bearer <key>` header, or None."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("owner")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.owner
