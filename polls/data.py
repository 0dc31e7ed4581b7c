"""Polls' part of a member's data (members.services.data's registries).

The export holds the member's votes: in a public poll the ballot with their choices, which
are theirs and tied to them; in an anonymous poll only the ballot, the fact that they voted
and when, because nothing ties any choice to them (docs/polls.md, "Anonymous polls") and the
export must not pretend otherwise. Erasing keeps the votes (results do not change after
the fact) and unties the ballots from the account."""

from collections.abc import Iterator

from members.models import User
from members.services.data import ExportItem, data_eraser, data_exporter
from polls.box_cache import results_changed
from polls.models import Ballot, Choice


@data_exporter
def export_poll_votes(member: User) -> Iterator[ExportItem]:
    ballots = list(
        Ballot.objects.filter(voter=member).select_related("poll").order_by("created_at")
    )
    public_ids = [ballot.pk for ballot in ballots if not ballot.poll.is_anonymous]
    choices: dict[int, list[dict]] = {}
    for choice in (
        Choice.objects.filter(ballot_id__in=public_ids)
        .select_related("option")
        .order_by("option__position")
    ):
        choices.setdefault(choice.ballot_id, []).append(
            {"option": choice.option.text, "rank": choice.rank, "rating": choice.value}
        )
    votes = []
    for ballot in ballots:
        poll = ballot.poll
        vote = {
            "poll_id": poll.pk,
            "question": poll.question,
            "topic_id": poll.topic_id,
            "anonymous": poll.is_anonymous,
            "voted_at": ballot.created_at.isoformat(),
        }
        if poll.is_anonymous:
            vote["choices"] = None
            vote["note"] = "Anonymous poll: your choices were never stored with your name."
        else:
            vote["changed_at"] = ballot.updated_at.isoformat()
            vote["choices"] = choices.get(ballot.pk, [])
        votes.append(vote)
    yield "poll_votes.json", votes


@data_eraser
def erase_poll_ballots(member: User) -> None:
    topic_ids = set(Ballot.objects.filter(voter=member).values_list("poll__topic_id", flat=True))
    Ballot.objects.filter(voter=member).update(voter=None)
    # Public polls list their voters: the name goes from those lists now.
    for topic_id in topic_ids:
        results_changed(topic_id)
