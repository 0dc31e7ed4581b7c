"""The executive dashboard, a page per KPI, CSV exports and the JSON API. Thin: the numbers
come from metrics.selectors (stored snapshots), the charts from metrics.charts, and every
view asks metrics.permissions first."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from community.timezones import community_today
from community.views import error_page
from metrics import selectors
from metrics.catalogue import CATALOGUE, Area
from metrics.charts import bar_chart, heat_map, line_chart
from metrics.dashboard_links import dashboard_links_for
from metrics.formatting import format_value, formatter
from metrics.forms import RangeForm
from metrics.health import Health
from metrics.permissions import can_open_member_admin, can_view_dashboard, check_view_dashboard
from metrics.tokens import api_token_user

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _period(request) -> tuple[int, str]:
    """The period asked for, and a note when the request named one that does not exist."""
    raw = request.GET.get("period", "")
    if not raw:
        return selectors.DEFAULT_PERIOD, ""
    if raw.isdigit() and int(raw) in selectors.PERIODS:
        return int(raw), ""
    shown = ", ".join(str(days) for days in selectors.PERIODS)
    return selectors.DEFAULT_PERIOD, f"Periods are {shown} days; showing 30 days."


def _chart(card: selectors.KpiCard, *, prefix: str = "chart", height: int = 160) -> str:
    kpi = card.kpi
    return line_chart(
        [(day.isoformat(), value) for day, value in card.series],
        title=f"{kpi.name}, {card_window_words(card)}",
        chart_id=f"{prefix}-{kpi.key}",
        format_value=formatter(kpi.unit, card.currency),
        height=height,
    )


def card_window_words(card: selectors.KpiCard) -> str:
    return "value on each day" if card.kpi.is_stock else "each day's trailing window"


def _health_charts(health: Health | None, prefix: str = "health") -> None:
    """The bar charts of the health sections, for the parts that have their numbers."""
    if health is None:
        return
    support, moderation = health.support, health.moderation
    if support.first_reply:
        support.first_reply_chart = bar_chart(
            support.first_reply,
            title="Questions by time to their first response",
            chart_id=f"{prefix}-first-reply",
            format_value=formatter("count"),
        )
    if support.answered:
        support.answerers_chart = bar_chart(
            [(label, share) for label, share, _ in support.answerers],
            title="Share of answers by who wrote them",
            chart_id=f"{prefix}-answerers",
            format_value=formatter("percent"),
        )
    if any(n for _, n in moderation.by_reason):
        moderation.by_reason_chart = bar_chart(
            moderation.by_reason,
            title="Flags by reason",
            chart_id=f"{prefix}-flag-reasons",
            format_value=formatter("count"),
        )


@login_required
@require_safe
@never_cache
def dashboard(request):
    check_view_dashboard(request.user)
    period, note = _period(request)
    board = selectors.dashboard_get(period, admin_links=can_open_member_admin(request.user))
    _health_charts(board.health)
    for group in board.areas:
        for card in group.cards:
            card.chart = _chart(card)
    cohort_chart, cohort_rows = None, []
    if board.cohorts:
        share = formatter("percent")
        width = len(board.cohorts["columns"])
        cohort_rows = [
            (
                label,
                ["" if cell is None else share(cell) for cell in [*cells, *[None] * width][:width]],
            )
            for label, cells in zip(board.cohorts["rows"], board.cohorts["cells"], strict=False)
        ]
        cohort_chart = heat_map(
            board.cohorts["rows"],
            board.cohorts["columns"],
            board.cohorts["cells"],
            title="Retention of each monthly cohort by month since joining",
            chart_id="cohort-heat-map",
            format_value=formatter("percent"),
        )
    return render(
        request,
        "metrics/dashboard.html",
        {
            "board": board,
            "cohort_chart": cohort_chart,
            "cohort_rows": cohort_rows,
            "year_ago": board.day and board.day - timedelta(days=364),
            "periods": list(selectors.PERIODS),
            "note": note,
            "links": dashboard_links_for(request.user),
        },
    )


def _unknown_kpi(request, key: str):
    return error_page(
        request,
        "metrics/kpi_not_found.html",
        status=404,
        key=key[:64],
        dashboard_url=reverse("metrics:dashboard"),
    )


@login_required
@require_safe
@never_cache
def kpi_detail(request, key: str):
    check_view_dashboard(request.user)
    kpi = CATALOGUE.get(key)
    if kpi is None:
        return _unknown_kpi(request, key)
    period, note = _period(request)
    card = selectors.kpi_card(kpi, period)
    breakdown = selectors.kpi_breakdown(
        kpi, period, admin_links=can_open_member_admin(request.user)
    )
    _health_charts(breakdown.get("health"), prefix="kpi-health")
    rows = []
    if card is not None:
        rows = [
            (day, format_value(kpi.unit, value, card.currency))
            for day, value in reversed(card.series)
        ]
    return render(
        request,
        "metrics/kpi_detail.html",
        {
            "kpi": kpi,
            "card": card,
            "chart": _chart(card, prefix="kpi", height=220) if card else None,
            "rows": rows,
            "period": period,
            "window": selectors.PERIODS[period],
            "periods": list(selectors.PERIODS),
            "drivers": selectors.drivers_of(kpi),
            "area_label": dict(Area.choices).get(kpi.area, kpi.area),
            "driven_by": selectors.driven_by(kpi),
            "breakdown": breakdown,
            "note": note,
        },
    )


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def _csv_response(filename: str, lines: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _bad_request_text(message: str):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _default_last() -> date:
    return selectors.latest_snapshot_day() or community_today()


@login_required
@require_safe
def kpi_csv(request, key: str):
    """One KPI's series: key, day, window, value, numerator, denominator, shown."""
    check_view_dashboard(request.user)
    kpi = CATALOGUE.get(key)
    if kpi is None:
        return _unknown_kpi(request, key)
    form = RangeForm(request.GET, default_last=_default_last(), with_window=True)
    if not form.is_valid():
        return _bad_request_text(form.error_text())
    first, last, window = (form.cleaned_data[name] for name in ("first", "last", "window"))
    money = selectors.currency()
    rows = (
        [
            snap.key,
            snap.day.isoformat(),
            snap.window,
            _number(snap.value),
            _number(snap.numerator),
            _number(snap.denominator),
            format_value(kpi.unit, snap.value, money),
        ]
        for snap in selectors.snapshot_series(keys=[key], first=first, last=last, window=window)
    )
    header = ["key", "day", "window", "value", "numerator", "denominator", "shown"]
    return _csv_response(f"{key}-{first}-{last}-{window}d.csv", _csv_stream(header, rows))


@login_required
@require_safe
def export_csv(request):
    """Every stored snapshot in the range, streamed: day, key, window, value, numerator,
    denominator, computed_at."""
    check_view_dashboard(request.user)
    form = RangeForm(request.GET, default_last=_default_last())
    if not form.is_valid():
        return _bad_request_text(form.error_text())
    first, last = form.cleaned_data["first"], form.cleaned_data["last"]
    rows = (
        [
            snap.day.isoformat(),
            snap.key,
            snap.window,
            _number(snap.value),
            _number(snap.numerator),
            _number(snap.denominator),
            snap.computed_at.isoformat(),
        ]
        for snap in selectors.snapshot_table(first=first, last=last)
    )
    header = ["day", "key", "window", "value", "numerator", "denominator", "computed_at"]
    return _csv_response(f"kpi-snapshots-{first}-{last}.csv", _csv_stream(header, rows))


# --- JSON API -------------------------------------------------------------------------------

API_REFUSED = {"error": "Not allowed."}


def _api_user(request):
    if "HTTP_AUTHORIZATION" in request.META:
        return api_token_user(request.META["HTTP_AUTHORIZATION"])
    return request.user


@require_safe
@never_cache
def api_kpis(request):
    """GET /dashboard/api/kpis?from=&to=[&keys=a,b][&window=30] with a session or a token.
    403 with nothing more for anyone else, 400 with the reason for bad input."""
    user = _api_user(request)
    if user is None or not can_view_dashboard(user):
        return JsonResponse(API_REFUSED, status=403)
    form = RangeForm(request.GET, default_last=_default_last(), with_keys=True, with_window=True)
    if not form.is_valid():
        return JsonResponse({"error": form.error_text()}, status=400)
    data = form.cleaned_data
    first, last, window, keys = data["first"], data["last"], data["window"], data["keys"]
    values: dict[str, list[dict]] = {key: [] for key in keys}
    for snap in selectors.snapshot_series(keys=keys, first=first, last=last, window=window):
        values[snap.key].append(
            {
                "day": snap.day.isoformat(),
                "value": snap.value,
                "numerator": snap.numerator,
                "denominator": snap.denominator,
            }
        )
    targets = selectors.targets_by_key(window, last)
    payload = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "window": window,
        "kpis": [
            {
                "key": key,
                "name": CATALOGUE[key].name,
                "definition": CATALOGUE[key].definition,
                "unit": CATALOGUE[key].unit,
                "direction": CATALOGUE[key].direction,
                "timing": CATALOGUE[key].timing,
                "area": CATALOGUE[key].area,
                "drivers": list(CATALOGUE[key].drivers),
                "target": (
                    {
                        "value": targets[key].value,
                        "business_goal": targets[key].business_goal,
                        "starts_on": targets[key].starts_on and targets[key].starts_on.isoformat(),
                        "ends_on": targets[key].ends_on and targets[key].ends_on.isoformat(),
                    }
                    if key in targets
                    else None
                ),
                "values": values[key],
            }
            for key in keys
        ],
    }
    return JsonResponse(payload)
