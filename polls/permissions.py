"""Who may see, vote in and manage a poll. A poll has no access rules of its own: it is
visible exactly when its topic is (forums.permissions, with the cached reach and its access
versions), so leaving a group hides the group's polls on the very next request.

Managing (close, reopen) is for the moderators of the topic's category, which includes the
Moderators and Community managers roles. Creating is for the topic's author and those
moderators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from forums.models import Topic
from forums.permissions import (
    can_moderate_category,
    can_view_topic,
    suspension_refusal,
    visible_topics,
)
from members.permissions import is_community_member
from polls.models import Poll, ResultsVisibility

POLL_NOT_FOUND = "No such poll."


def visible_polls(user) -> QuerySet[Poll]:
    """Polls in topics `user` may see, as one SQL query."""
    return Poll.objects.filter(topic__in=visible_topics(user))


def access_poll(user, *, pk) -> Poll:
    """The poll (topic and category joined) if `user` may see its topic; the same Http404 as
    for a missing id otherwise."""
    poll = Poll.objects.select_related("topic__category").filter(pk=pk).first()
    if poll is None or not can_view_topic(user, poll.topic):
        raise Http404(POLL_NOT_FOUND)
    return poll


def can_manage_poll(user, poll: Poll) -> bool:
    return is_community_member(user) and can_moderate_category(user, poll.topic.category)


def check_manage_poll(user, poll: Poll) -> None:
    if not can_manage_poll(user, poll):
        raise PermissionDenied("Only this category's moderators can close or reopen polls.")


def poll_create_refusal(user, topic: Topic) -> str | None:
    """Why `user` may not add a poll to `topic` (one they can see), or None."""
    if not is_community_member(user):
        return "Sign in as a community member to start a poll."
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if topic.is_hidden:
        return "This topic has been hidden by a moderator."
    if topic.author_id != user.pk and not can_moderate_category(user, topic.category):
        return "Only the topic's author or a moderator can add a poll to it."
    return None


def check_create_poll(user, topic: Topic) -> None:
    if not can_view_topic(user, topic):
        raise PermissionDenied("You can't add a poll there.")
    refusal = poll_create_refusal(user, topic)
    if refusal:
        raise PermissionDenied(refusal)


SIGN_IN_TO_VOTE = "Sign in as a community member to vote."


def vote_refusal(user, poll: Poll, *, in_voter_groups: bool | None = None, now=None) -> str | None:
    """Why `user` may not vote in `poll` (one they can see), or None. What is true for
    everyone (the poll closed, its topic hidden, merged away or locked) comes first, so a
    visitor is not asked to sign in for nothing. `in_voter_groups` saves the query when the
    caller already knows it."""
    if poll.has_ended_at(now or timezone.now()):
        return "This poll is closed: it no longer takes votes."
    topic = poll.topic
    if topic.is_hidden:
        return "This topic has been hidden by a moderator; its poll takes no votes."
    if topic.merged_into_id:
        return "This topic was merged into another and is closed; its poll takes no votes."
    if topic.is_locked:
        # Moderators included: locking a topic freezes its poll as it stands.
        return "This topic is locked: its poll takes no votes."
    if not is_community_member(user):
        return SIGN_IN_TO_VOTE
    refusal = suspension_refusal(user)
    if refusal:
        return refusal
    if in_voter_groups is None:
        in_voter_groups = is_in_voter_groups(user, poll)
    if not in_voter_groups:
        return "Only members of the groups this poll is for can vote in it."
    return None


def is_in_voter_groups(user, poll: Poll) -> bool:
    """True when the poll is open to everyone who sees it, or `user` is in one of its
    voter groups. One query."""
    groups = poll.voter_groups.all()
    if not groups.exists():
        return True
    return user.is_authenticated and groups.filter(user=user).exists()


def check_vote(user, poll: Poll) -> None:
    if not can_view_topic(user, poll.topic):
        raise PermissionDenied("You can't vote there.")
    refusal = vote_refusal(user, poll)
    if refusal:
        raise PermissionDenied(refusal)


def results_visible(*, poll: Poll, has_voted: bool, manages: bool, now=None) -> bool:
    """Whether a viewer may see the results now. Those who manage the poll always may (they
    decide when it closes); for the others the poll's setting decides."""
    if manages:
        return True
    ended = poll.has_ended_at(now or timezone.now())
    match poll.results_visibility:
        case ResultsVisibility.ALWAYS:
            return True
        case ResultsVisibility.AFTER_VOTE:
            return has_voted or ended
        case ResultsVisibility.AFTER_CLOSE:
            return ended
    return False
