"""The one chart renderer: static, accessible SVG with no script and no style attribute,
that says its numbers in words and escapes every text it is given."""

from metrics.charts import bar_chart, heat_map, line_chart
from metrics.formatting import formatter
from tests.html import unsafe_markup
from tests.metrics.helpers import parse


def _svg(markup):
    return parse(str(markup)).cssselect("svg")[0]


def test_a_line_chart_has_axes_min_and_max_labels_a_title_and_its_numbers_in_words():
    svg = _svg(
        line_chart(
            [("2026-03-01", 0.25), ("2026-03-02", 0.5), ("2026-03-03", 0.75)],
            title="Solved rate",
            chart_id="solved",
            format_value=formatter("percent"),
        )
    )
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "solved-title solved-desc"
    assert svg.cssselect("title")[0].text_content() == "Solved rate"
    assert svg.cssselect("desc")[0].text_content() == (
        "3 values from 2026-03-01 to 2026-03-03; lowest 25.0 %, highest 75.0 %, latest 75.0 %."
    )
    labels = {text.text_content() for text in svg.cssselect("text")}
    assert labels == {"25.0 %", "75.0 %", "2026-03-01", "2026-03-03"}
    assert len(svg.cssselect("path.chart__line")) == 1
    assert svg.cssselect("path.chart__axis")


def test_an_undefined_value_breaks_the_line_instead_of_dropping_to_zero():
    svg = _svg(
        line_chart(
            [("a", 1.0), ("b", 2.0), ("c", None), ("d", 3.0), ("e", 4.0), ("f", None), ("g", 5)],
            title="Gaps",
            chart_id="gaps",
        )
    )
    assert len(svg.cssselect("path.chart__line")) == 2  # a-b and d-e
    assert len(svg.cssselect("circle.chart__dot")) == 1  # g alone
    assert "lowest 1, highest 5" in svg.cssselect("desc")[0].text_content()


def test_no_data_says_so_and_one_value_is_a_dot():
    empty = _svg(line_chart([("a", None)], title="Nothing", chart_id="none"))
    assert empty.cssselect("text")[0].text_content() == "No data for this period yet."
    single = _svg(line_chart([("2026-03-01", 4.0)], title="One", chart_id="one"))
    assert len(single.cssselect("circle")) == 1


def test_charts_escape_their_texts_and_carry_no_script_or_inline_style():
    hostile = '<script>alert(1)</script>" onload="x'
    charts = [
        line_chart([(hostile, 1.0), ("b", 2.0)], title=hostile, chart_id="x"),
        bar_chart([(hostile, 3.0), ("ok", None)], title=hostile, chart_id="y"),
        heat_map([hostile], [hostile], [[0.5]], title=hostile, chart_id="z"),
    ]
    for chart in charts:
        findings = [f for f in unsafe_markup(str(chart)) if f != "<svg>"]
        assert findings == []
        assert "<script>" not in str(chart) and "style=" not in str(chart)
        assert _svg(chart).cssselect("title")[0].text_content() == hostile


def test_a_bar_chart_writes_each_label_and_value():
    svg = _svg(
        bar_chart(
            [("Under 1 hour", 12), ("1-24 hours", 30), ("Never", None)],
            title="First replies",
            chart_id="first",
        )
    )
    texts = [text.text_content() for text in svg.cssselect("text")]
    assert texts == ["Under 1 hour", "12", "1-24 hours", "30", "Never", "—"]
    widths = [float(rect.get("width")) for rect in svg.cssselect("rect")]
    assert widths[1] > widths[0] > widths[2] == 0  # 30 is the longest; no value, no bar


def test_a_heat_map_shades_each_cell_and_leaves_missing_ones_blank():
    svg = _svg(
        heat_map(
            ["2026-01", "2026-02"],
            ["0", "1", "2"],
            [[1.0, 0.5, 0.0], [1.0]],
            title="Cohorts",
            chart_id="cohorts",
            format_value=formatter("percent"),
        )
    )
    fills = [rect.get("fill") for rect in svg.cssselect("rect")]
    assert len(fills) == 6
    assert fills[0] == "#123a7a" and fills[2] == "#eff4ff"  # 100 % darkest, 0 % lightest
    assert fills[4] == fills[5] == "#f2f4f7"  # not reached yet
    cell_texts = [t.text_content() for t in svg.cssselect("text")]
    assert "50.0 %" in cell_texts and cell_texts.count("100.0 %") == 2
