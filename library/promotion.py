"""Promoting a forum topic (or its accepted answer) to a library article: a moderator of the
topic's category edits a prefilled draft, and the article links back to the discussion and
credits the members who wrote it.

The article is never wider than the topic's category (library.permissions
category_access_ceiling): a private category's topic becomes a resource private to the
groups that reach the category, and asking for wider access is refused with a message.
Credited members are notified, see the article on their profile, and each gets one
LIBRARY_CREDIT support act from the moderator."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.text import Truncator, slugify

from community.markdown import html_to_text, render_markdown
from community.notifications import notifications_create
from forums.models import Post, Topic
from forums.permissions import can_moderate_category, can_view_topic
from library.models import (
    Collection,
    CollectionItem,
    Credit,
    CreditRole,
    LibraryAccess,
    Resource,
    ResourceKind,
)
from library.permissions import (
    AccessCeiling,
    access_within,
    can_view_resource,
    category_access_ceiling,
    visible_collections,
)
from library.services import resource_access_grant
from members.models import SupportKind, User
from members.permissions import is_community_member
from members.services.reciprocity import support_act_record

SUMMARY_PREFILL_LENGTH = 300
_ACCESS_LABELS = {
    LibraryAccess.PUBLIC: "public",
    LibraryAccess.MEMBERS: "members-only",
    LibraryAccess.PRIVATE: "private",
}


@dataclass(frozen=True)
class CreditCandidate:
    member: User
    role: str

    @property
    def role_label(self) -> str:
        return CreditRole(self.role).label


@dataclass
class PromotionDraft:
    """What the promote form starts from."""

    topic: Topic
    source_post: Post
    title: str
    summary: str
    body: str
    ceiling: AccessCeiling
    candidates: list[CreditCandidate] = field(default_factory=list)


def check_promote(actor, topic: Topic) -> None:
    """Only a moderator of the topic's category promotes it (the caller loaded the topic
    with forums.permissions.access_topic, so it is visible)."""
    if not (
        is_community_member(actor)
        and can_view_topic(actor, topic)
        and can_moderate_category(actor, topic.category)
    ):
        raise PermissionDenied("Only this category's moderators can add a topic to the library.")


def _source_post(topic: Topic, post_id: int | None) -> Post:
    """The post whose Markdown the article starts from: the one asked for (a visible post of
    the topic), else the accepted answer, else the opening post."""
    posts = Post.objects.filter(topic=topic, is_hidden=False).select_related("author")
    chosen = None
    if post_id is not None:
        chosen = posts.filter(pk=post_id).first()
    if chosen is None and topic.accepted_answer_id:
        chosen = posts.filter(pk=topic.accepted_answer_id).first()
    if chosen is None:
        chosen = posts.filter(is_opening=True).first()
    if chosen is None:
        raise ValidationError("This topic has nothing left to promote.")
    return chosen


def credit_candidates(topic: Topic, source_post: Post) -> list[CreditCandidate]:
    """Who wrote what the article is made of: the topic starter, the accepted answer's
    author, and the author of the post it starts from; each member once (the most specific
    role wins), erased and inactive accounts left out."""
    roles: dict[int, CreditCandidate] = {}

    def add(member: User | None, role: str) -> None:
        if member is None or not member.is_active or member.erased_at is not None:
            return
        roles[member.pk] = CreditCandidate(member, role)

    add(topic.author, CreditRole.TOPIC_AUTHOR)
    if not source_post.is_opening and source_post.pk != topic.accepted_answer_id:
        add(source_post.author, CreditRole.CONTRIBUTOR)
    if topic.accepted_answer_id:
        answer = (
            source_post
            if source_post.pk == topic.accepted_answer_id
            else Post.objects.select_related("author")
            .filter(pk=topic.accepted_answer_id, is_hidden=False)
            .first()
        )
        if answer is not None:
            add(answer.author, CreditRole.ANSWER_AUTHOR)
    return list(roles.values())


def promotion_draft(*, actor: User, topic: Topic, post_id: int | None = None) -> PromotionDraft:
    check_promote(actor, topic)
    source = _source_post(topic, post_id)
    opening = source if source.is_opening else Post.objects.filter(topic=topic, is_opening=True)
    if not isinstance(opening, Post):
        opening = opening.first()
    summary_source = html_to_text(opening.html) if opening is not None else ""
    body = (
        f"{source.body.rstrip()}\n\n"
        f"*From the forum discussion [{_markdown_text(topic.title)}]({topic.get_absolute_url()}).*"
    )
    return PromotionDraft(
        topic=topic,
        source_post=source,
        title=topic.title[:200],
        summary=Truncator(" ".join(summary_source.split())).chars(SUMMARY_PREFILL_LENGTH),
        body=body,
        ceiling=category_access_ceiling(topic.category),
        candidates=credit_candidates(topic, source),
    )


def _markdown_text(text: str) -> str:
    # A title inside a link's brackets: no character of it may end or open Markdown syntax.
    return "".join(f"\\{char}" if char in "\\`*_[]()<>#!|" else char for char in text)


def unique_slug(title: str) -> str:
    base = slugify(title)[:180].strip("-") or "article"
    slug, number = base, 2
    while Resource.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def access_refusal(access: str, ceiling: AccessCeiling) -> str | None:
    """Why `access` is too wide for content from a category reached by `ceiling`."""
    if access not in _ACCESS_LABELS:
        return "Pick who may see the article."
    if not access_within(access, ceiling.access):
        return (
            f"The discussion is {_ACCESS_LABELS[ceiling.access]}, so the article can't be "
            f"{_ACCESS_LABELS[access]}: it would show the discussion to people who can't read "
            f"it. Choose {_ACCESS_LABELS[ceiling.access]} or narrower."
        )
    return None


@transaction.atomic
def resource_promote(
    *,
    actor: User,
    topic: Topic,
    title: str,
    summary: str,
    body: str,
    access: str,
    credited: Iterable[int],
    collections: Iterable[Collection] = (),
    source_post_id: int | None = None,
) -> Resource:
    """An article made from `topic` by a moderator of its category (PermissionDenied
    otherwise). `credited` are member ids among the draft's candidates (ValidationError for
    anyone else); `access` may not be wider than the category (ValidationError saying so).
    A private article is granted to the groups that reach a private category, and its
    comments go to that category. Credits, support acts and (after commit) the credited members'
    notifications are written here."""
    draft = promotion_draft(actor=actor, topic=topic, post_id=source_post_id)
    refusal = access_refusal(access, draft.ceiling)
    if refusal:
        raise ValidationError({"access": refusal})
    candidates = {candidate.member.pk: candidate for candidate in draft.candidates}
    credited = list(dict.fromkeys(int(pk) for pk in credited))
    strangers = [pk for pk in credited if pk not in candidates]
    if strangers:
        raise ValidationError({"credited": "Credit only the people who wrote the discussion."})
    collections = list(collections)
    seen = set(
        visible_collections(actor)
        .filter(pk__in=[c.pk for c in collections])
        .values_list("pk", flat=True)
    )
    if any(collection.pk not in seen for collection in collections):
        # The form offers only these; another caller must not file into a hidden collection.
        raise ValidationError({"collections": "Choose collections you can see."})

    resource = Resource(
        kind=ResourceKind.ARTICLE,
        title=" ".join((title or "").split()),
        slug=unique_slug(title or ""),
        summary=(summary or "").strip(),
        body=body or "",
        access=access,
        owner=actor,
    )
    if not resource.body.strip():
        raise ValidationError({"body": "An article needs a body."})
    if "\x00" in resource.body or "\x00" in resource.title or "\x00" in resource.summary:
        raise ValidationError("Null characters are not allowed.")
    resource.html = render_markdown(resource.body)
    if access == LibraryAccess.PRIVATE and draft.ceiling.access == LibraryAccess.PRIVATE:
        # Comments then stay among the same groups (library.engagement.comment_add).
        resource.discussion_category = topic.category
    resource.full_clean()
    resource.save()
    resource.source_topics.set([topic])
    if access == LibraryAccess.PRIVATE:
        for group in Group.objects.filter(pk__in=draft.ceiling.group_ids):
            resource_access_grant(resource=resource, group=group)
    for collection in collections:
        last = CollectionItem.objects.filter(collection=collection).aggregate(last=Max("position"))
        CollectionItem.objects.get_or_create(
            collection=collection,
            resource=resource,
            defaults={"position": 0 if last["last"] is None else last["last"] + 1},
        )

    members = [candidates[pk].member for pk in credited]
    Credit.objects.bulk_create(
        [Credit(resource=resource, member=m, role=candidates[m.pk].role) for m in members]
    )
    for member in members:
        support_act_record(
            giver=actor, receiver=member, kind=SupportKind.LIBRARY_CREDIT, target=resource
        )
    transaction.on_commit(lambda: _credits_notify(resource, actor, members), robust=True)
    return resource


def _credits_notify(resource: Resource, actor: User, members: list[User]) -> None:
    # Only those who may open the article now (someone may have left the group meanwhile).
    readers = [member for member in members if can_view_resource(member, resource)]
    notifications_create(
        recipients=readers,
        actor=actor,
        kind="library_credit",
        verb=f"{actor.public_name} added “{resource.title}” to the library, crediting you",
        url=reverse("library:resource-detail", args=[resource.slug]),
    )
