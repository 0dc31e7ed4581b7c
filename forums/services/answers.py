"""Accepted answers in Q&A categories (Category.is_qa): the person who asked, or a moderator
of the category, marks one reply as the answer, and may unmark it or pick another."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community.notifications import notification_create
from forums.models import Post, Topic
from forums.permissions import answer_refusal, check_view_post, visible_topics
from members.models import SupportKind, User
from members.services.reciprocity import support_act_record


def _locked_topic(topic_id: int) -> Topic:
    # Row lock: two people changing the answer at once are applied one after the other.
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("category", "author")
        .get(pk=topic_id)
    )


@transaction.atomic
def answer_accept(*, post: Post, actor: User) -> Topic:
    """Mark `post` as the accepted answer of its topic, replacing any other.

    Preconditions (PermissionDenied with the reason): the topic is in a Q&A category and
    not hidden; `actor` may see the post, is a community member who is not suspended, and
    asked the question or moderates the category; `post` is a visible reply (not the
    opening post). Accepting the answer already accepted changes nothing. Otherwise the
    person who asked gives the answer's author one ACCEPTED_ANSWER support act (target: the
    post; self-answers record none), and the answer's author is notified in the app after
    commit (unless they accepted it themselves, as a moderator)."""
    topic = _locked_topic(post.topic_id)
    post.topic = topic
    moderates = check_view_post(actor, post)
    refusal = answer_refusal(actor, topic, post, moderates=moderates)
    if refusal:
        raise PermissionDenied(refusal)
    if topic.accepted_answer_id == post.pk:
        return topic
    topic.accepted_answer = post
    topic.save(update_fields=["accepted_answer", "updated_at"])

    answerer = post.author
    if answerer is None:
        return topic
    if topic.author is not None:
        support_act_record(
            giver=topic.author, receiver=answerer, kind=SupportKind.ACCEPTED_ANSWER, target=post
        )
    url = reverse("forums:post-open", args=[post.pk])
    verb = (
        f"{actor.public_name} accepted your reply as the answer to “{topic.title}”"
        if actor.pk == topic.author_id
        else f"{actor.public_name} (moderator) marked your reply as the answer to “{topic.title}”"
    )
    transaction.on_commit(
        lambda: notification_create(
            recipient=answerer, actor=actor, kind="forum_answer_accepted", verb=verb, url=url
        ),
        # The answer is saved by then: a failed notice is logged, not a 500.
        robust=True,
    )
    return topic


@transaction.atomic
def answer_unaccept(*, topic: Topic, actor: User) -> Topic:
    """Leave `topic` without an accepted answer (same preconditions as answer_accept, less
    those about the post). The support act recorded for the answer stays: the ledger is
    append-only, and accepting the same reply again adds nothing."""
    topic = _locked_topic(topic.pk)
    if not visible_topics(actor).filter(pk=topic.pk).exists():
        raise PermissionDenied("You can't do that here.")
    refusal = answer_refusal(actor, topic)
    if refusal:
        raise PermissionDenied(refusal)
    if topic.accepted_answer_id is None:
        return topic
    Topic.objects.filter(pk=topic.pk).update(accepted_answer=None, updated_at=timezone.now())
    topic.accepted_answer = None
    return topic
