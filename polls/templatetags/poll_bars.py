"""Bar widths for poll results. The CSP forbids inline styles, so a bar's width is one of
21 classes (0, 5, … 100 %) defined in hearth.css."""

from django import template

register = template.Library()


@register.filter
def poll_bar_class(percent) -> str:
    try:
        step = round(float(percent) / 5) * 5
    except (TypeError, ValueError):
        step = 0
    if step == 0 and percent and float(percent) > 0:
        step = 5  # a vote is never drawn as nothing
    return f"poll-bar--{max(0, min(100, step))}"
