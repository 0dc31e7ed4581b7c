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


@register.filter
def my_choice_label(my_choices, option_id) -> str:
    """What the viewer gave this option, as the results mark it: "your 2nd choice" in a
    ranked poll (`my_choices` holds ranks there), "your choice" otherwise; "" if nothing."""
    if not my_choices or option_id not in my_choices:
        return ""
    rank = my_choices[option_id]
    if not rank:
        return "your choice"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"your {rank}{suffix} choice"
