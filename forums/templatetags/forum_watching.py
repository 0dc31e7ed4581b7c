"""{% watch_controls target %}: the watch menu for a topic, category or tag (one query)."""

from django import template

register = template.Library()


@register.inclusion_tag("forums/_watch_controls.html", takes_context=True)
def watch_controls(context, target):
    return {"request": context.get("request"), "user": context.get("user"), "target": target}
