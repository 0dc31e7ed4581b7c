"""A poll's results as CSV rows, for the admin's download. Counts only: never who voted,
in any poll (a public poll's voters are on its page; an export is easier to pass around)."""

from __future__ import annotations

import csv
import io

from polls.models import Poll, PollKind
from polls.selectors import poll_results

# A cell a spreadsheet would read as a formula (an option typed as "=HYPERLINK(…)").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def results_rows(poll: Poll) -> list[list]:
    """The rows of the CSV: the poll, then one section per kind of result."""
    results = poll_results(poll=poll)
    rows: list[list] = [
        ["poll", poll.pk, poll.question],
        ["kind", poll.get_kind_display()],
        ["anonymous", "yes" if poll.is_anonymous else "no"],
        ["voters", results.ballots],
        [],
    ]
    if poll.kind == PollKind.RATING:
        rows.append(["option", "ratings", "average", *(f"rated {v}" for v in range(5, 0, -1))])
        for row in results.options:
            counts = [count for _, count, _ in row.distribution]
            rows.append([row.option.text, row.count, row.average, *counts])
        return rows
    heading = "first preferences" if poll.kind == PollKind.RANKED else "votes"
    rows.append(["option", heading, "percent of voters"])
    rows.extend([row.option.text, row.count, row.percent] for row in results.options)
    if poll.kind == PollKind.RANKED and results.rounds:
        rows.append([])
        rows.append(["round", "option", "votes", "percent of counted ballots"])
        for round_ in results.rounds:
            for option, count, percent in round_.tallies:
                rows.append([round_.number, option.text, count, percent])
            rows.append([round_.number, "(exhausted ballots)", round_.exhausted, ""])
            rows.extend([round_.number, "(eliminated)", o.text, ""] for o in round_.eliminated)
        label = "tie" if len(results.winners) > 1 else "winner"
        rows.append([])
        rows.append([label, *(option.text for option in results.winners)])
    return rows


def results_csv(poll: Poll) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in results_rows(poll):
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
