"""A plan report as HTML (for /reports/ and the e-mail) and as PDF (WeasyPrint), from its
stored numbers, the manager's narrative and the proposed targets. Both come from one
template, so the PDF shows what the page shows, charts included (metrics.charts' SVG).

WeasyPrint is given the HTML as a string and a URL fetcher that allows `data:` URLs only:
nothing in a report can make it read a local file or call a server."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.dateparse import parse_datetime
from django.utils.safestring import SafeString, mark_safe

from community.markdown import render_markdown
from community.selectors import branding_get
from metrics.catalogue import CATALOGUE
from metrics.charts import line_chart
from metrics.formatting import format_change, format_value, formatter
from metrics.models import MetricsSettings
from plans.models import OutreachList, PlanReport

OUTREACH_RULES = {
    OutreachList.LAPSING: "Posted in the 90 days before the last 30, not since.",
    OutreachList.NEVER_POSTED: "Joined in the period; no post yet.",
    OutreachList.UNTHANKED: "Helped others in the period; nobody has supported them since.",
    OutreachList.CADRE: "Regular or above, most helpful first, no moderation problems in a year.",
}


def _review_rows(report: PlanReport, currency: str) -> list[dict]:
    rows = []
    for index, row in enumerate(report.data.get("review", [])):
        unit = row["unit"]
        points = [(day, value) for day, value in row.get("series", [])]
        rows.append(
            {
                **row,
                "value_text": format_value(unit, row["value"], currency),
                "previous_text": format_value(unit, row["previous"], currency),
                "change_text": format_change(unit, row["change"], currency),
                "target_text": ""
                if row["target"] is None
                else format_value(unit, row["target"], currency),
                "chart": line_chart(
                    points,
                    title=f"{row['name']}, 30-day values across the period",
                    chart_id=f"plan-kpi-{index}",
                    format_value=formatter(unit, currency),
                    width=280,
                    height=90,
                )
                if points
                else "",
            }
        )
    return rows


def _targets(report: PlanReport, currency: str) -> list[dict]:
    rows = []
    for target in report.targets.all():
        kpi = CATALOGUE.get(target.key)
        unit = kpi.unit if kpi else "count"
        rows.append(
            {
                "key": target.key,
                "name": kpi.name if kpi else target.key,
                "timing": kpi.timing if kpi else "",
                "current": format_value(unit, target.current, currency),
                "proposed": format_value(unit, target.proposed, currency),
                "value": format_value(unit, target.value, currency),
                "is_objective": target.is_objective,
                "business_goal": target.business_goal,
            }
        )
    return rows


def _last_quarter(report: PlanReport, currency: str) -> list[dict]:
    rows = []
    for row in report.data.get("last_quarter", []):
        kpi = CATALOGUE.get(row["key"])
        unit = kpi.unit if kpi else "count"
        rows.append(
            {
                "name": kpi.name if kpi else row["key"],
                "target": format_value(unit, row["value"], currency),
                "actual": format_value(unit, row["actual"], currency),
                "met": row["met"],
            }
        )
    return rows


def _outreach_outcomes(report: PlanReport) -> list[dict] | None:
    """Last quarter's outreach e-mails and who came back; None for a report made before
    they were counted."""
    rows = report.data.get("outreach_outcomes")
    if rows is None:
        return None
    return [{**row, "sent_on": parse_datetime(row["sent_at"]).date().isoformat()} for row in rows]


def report_context(report: PlanReport) -> dict:
    currency = MetricsSettings.current().currency
    data = report.data
    outreach = data.get("outreach", {})
    outcomes = _outreach_outcomes(report)
    targets = _targets(report, currency)
    return {
        "report": report,
        "data": data,
        "community_name": branding_get().community_name,
        "narrative_html": mark_safe(render_markdown(report.narrative)) if report.narrative else "",  # noqa: S308 - sanitised by render_markdown
        "situation": data.get("situation", []),
        "targets": targets,
        "objectives": [row for row in targets if row["is_objective"]],
        "last_quarter": _last_quarter(report, currency),
        "review": _review_rows(report, currency),
        "acquisition": data.get("acquisition", {}),
        "groups": data.get("groups", []),
        "content": data.get("content", {}),
        "outreach": [
            {
                "key": key,
                "title": title,
                "rule": OUTREACH_RULES[key],
                **outreach.get(key, {"total": 0, "members": []}),
            }
            for key, title in OutreachList.choices
        ],
        "outreach_outcomes": outcomes,
        "outreach_outcomes_open": any(row["still_open"] for row in outcomes or []),
        "actions": list(report.actions.all()),
        "currency": currency,
    }


def report_html(report: PlanReport) -> SafeString:
    """The report's body (no page around it): what /reports/<id>/ and the PDF show."""
    return mark_safe(render_to_string("plans/report_body.html", report_context(report)))  # noqa: S308 - a template with autoescape


def report_pdf(report: PlanReport, body: str) -> bytes:
    from weasyprint import CSS, HTML  # imported when needed: 1-2 s on first import
    from weasyprint.urls import URLFetcher

    document = render_to_string("plans/report_pdf.html", {"report": report, "body": body})
    stylesheet = CSS(string=render_to_string("plans/report_pdf.css"))
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=document, url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])
