"""A member's answers to "Did this answer your question?" in their data export, and untied
from them when their account is erased (the answers stay in the community's figures, as
forum searches do). Registered with members' registries by MetricsConfig.ready()."""

from collections.abc import Iterator

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from members.models import User
from members.services.data import ExportItem, data_eraser, data_exporter
from metrics.models import AnswerFeedback


@data_exporter
def export_answers(member: User) -> Iterator[ExportItem]:
    rows = AnswerFeedback.objects.filter(member=member).order_by("day", "pk")
    answers = [
        {
            "topic": row.topic_id,
            "resource": row.resource_id,
            "answered": "yes" if row.answered else "no",
            "day": row.day.isoformat(),
        }
        for row in rows.only("topic_id", "resource_id", "answered", "day")
    ]
    if answers:
        yield ("answer_feedback.json", answers)


@data_eraser
def erase_answers(member: User) -> None:
    # The key named the account; each row gets one of its own, so nothing links them.
    AnswerFeedback.objects.filter(member=member).update(
        member=None, voter=Concat(Value("x:"), Cast("pk", CharField()))
    )
