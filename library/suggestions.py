"""Members suggest resources; community managers accept or decline them in the admin's
curation queue. Accepting makes an unpublished-looking draft (a link resource when the
suggestion has a link, else an article from its description), private until a manager opens
it, credited to the suggester. Either way the suggester is notified of the decision."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from community.exceptions import ApplicationError
from community.markdown import render_markdown
from community.notifications import notification_create
from community.ratelimit import RateLimit, rate_limit_hit
from library.models import (
    CollectionItem,
    Credit,
    CreditRole,
    LibraryAccess,
    Resource,
    ResourceKind,
    Suggestion,
    SuggestionStatus,
)
from library.permissions import visible_collections
from library.promotion import unique_slug
from members.models import SupportKind, User
from members.permissions import is_community_member
from members.services.reciprocity import support_act_record

SUGGESTION_LIMITS = (
    RateLimit(count=5, seconds=60 * 60, description="5 suggestions an hour"),
    RateLimit(count=20, seconds=24 * 60 * 60, description="20 suggestions a day"),
)
# The same suggestion sent twice in this window (a double submit) is stored once.
DUPLICATE_WINDOW_SECONDS = 10 * 60


def check_suggest(user) -> None:
    if not is_community_member(user):
        raise PermissionDenied("Sign in as a community member to suggest a resource.")


@transaction.atomic
def suggestion_create(
    *,
    author: User,
    title: str,
    url: str = "",
    description: str = "",
    reason: str,
    collection=None,
) -> Suggestion:
    """Store a member's suggestion for the curation queue.

    A collection must be one the member may see (ValidationError otherwise); the fields are
    checked by the model (http/https links only, lengths). The same title and link from the
    same member within DUPLICATE_WINDOW_SECONDS returns the stored suggestion (a double
    submit); anything else counts against SUGGESTION_LIMITS (RateLimited), checked last so
    a corrected typo costs nothing."""
    check_suggest(author)
    if collection is not None and not visible_collections(author).filter(pk=collection.pk).exists():
        raise ValidationError({"collection": "Pick one of the collections shown."})
    suggestion = Suggestion(
        suggested_by=author,
        title=" ".join((title or "").split()),
        url=(url or "").strip(),
        description=(description or "").strip(),
        reason=(reason or "").strip(),
        collection=collection,
    )
    if not suggestion.url and not suggestion.description:
        raise ValidationError({"description": "Give a link or describe the resource."})
    suggestion.full_clean()
    since = timezone.now() - timedelta(seconds=DUPLICATE_WINDOW_SECONDS)
    # Two submits racing: the member's row lock puts them one after the other.
    User.objects.select_for_update().filter(pk=author.pk).first()
    duplicate = Suggestion.objects.filter(
        suggested_by=author, title=suggestion.title, url=suggestion.url, created_at__gte=since
    ).first()
    if duplicate is not None:
        return duplicate
    rate_limit_hit(scope="library-suggest", key=author.pk, limits=SUGGESTION_LIMITS)
    suggestion.save()
    return suggestion


def _check_curate(actor: User) -> None:
    if not (actor.is_active and actor.has_perm("library.change_suggestion")):
        raise PermissionDenied("Only community managers curate suggestions.")


def _pending(suggestion: Suggestion) -> Suggestion:
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.status != SuggestionStatus.PENDING:
        raise ApplicationError(f"“{locked.title}” was already {locked.get_status_display()}.")
    return locked


@transaction.atomic
def suggestion_accept(*, actor: User, suggestion: Suggestion) -> Resource:
    """Turn a pending suggestion into a private draft resource (a link, or an article from
    its description) owned by the manager, credited to the suggester, added to the
    suggested collection; the suggester gets a LIBRARY_CREDIT support act and a
    notification. Deciding twice is refused with a message (ApplicationError)."""
    _check_curate(actor)
    suggestion = _pending(suggestion)
    is_link = bool(suggestion.url)
    body = suggestion.description or suggestion.title
    resource = Resource(
        kind=ResourceKind.LINK if is_link else ResourceKind.ARTICLE,
        title=suggestion.title,
        slug=unique_slug(suggestion.title),
        summary=suggestion.description[:1000] if is_link else "",
        body="" if is_link else body,
        url=suggestion.url,
        # A draft: nobody but managers sees it until one of them opens it up.
        access=LibraryAccess.PRIVATE,
        owner=actor,
    )
    if not is_link:
        resource.html = render_markdown(body)
    resource.full_clean()
    resource.save()
    if suggestion.collection_id:
        last = CollectionItem.objects.filter(collection_id=suggestion.collection_id).aggregate(
            last=Max("position")
        )["last"]
        CollectionItem.objects.create(
            collection_id=suggestion.collection_id, resource=resource, position=(last or 0) + 1
        )
    Credit.objects.create(
        resource=resource, member=suggestion.suggested_by, role=CreditRole.CONTRIBUTOR
    )
    support_act_record(
        giver=actor,
        receiver=suggestion.suggested_by,
        kind=SupportKind.LIBRARY_CREDIT,
        target=resource,
    )
    Suggestion.objects.filter(pk=suggestion.pk).update(
        status=SuggestionStatus.ACCEPTED,
        decided_by=actor,
        decided_at=timezone.now(),
        resource=resource,
        updated_at=timezone.now(),
    )
    _decision_notify(
        suggestion,
        actor,
        f"Your suggestion “{suggestion.title}” was accepted for the library",
    )
    return resource


@transaction.atomic
def suggestion_decline(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    """Decline a pending suggestion with a reason the suggester reads in the notification
    (ValidationError without one)."""
    _check_curate(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"decline_reason": "Say why, so the member understands."})
    suggestion = _pending(suggestion)
    suggestion.status = SuggestionStatus.DECLINED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.decline_reason = reason
    suggestion.full_clean()
    suggestion.save()
    _decision_notify(
        suggestion,
        actor,
        f"Your suggestion “{suggestion.title}” was declined: {reason}",
    )
    return suggestion


def _decision_notify(suggestion: Suggestion, actor: User, verb: str) -> None:
    member = suggestion.suggested_by
    transaction.on_commit(
        lambda: notification_create(
            recipient=member,
            actor=actor,
            kind="library_suggestion_decided",
            verb=verb,
            url=reverse("library:suggest"),
        ),
        robust=True,
    )


def pending_suggestion_count() -> int:
    return Suggestion.objects.filter(status=SuggestionStatus.PENDING).count()
