"""{% hole "name" "template.html" %}: include a template, or leave a marked gap for it.

Anywhere else the same as {% include "template.html" %}. While a page frame shared between
viewers is rendered (forums.views.topic_frame), the context holds `frame_hole_marker` and the
tag writes the marker around its name instead; the frame is cut there and each viewer's own
piece filled in."""

from django import template
from django.template.loader_tags import IncludeNode
from django.utils.safestring import mark_safe

register = template.Library()


class HoleNode(IncludeNode):
    def __init__(self, name: str, *args, **kwargs):
        self.name = name
        super().__init__(*args, **kwargs)

    def render(self, context):
        marker = context.get("frame_hole_marker")
        if marker:
            return mark_safe(f"{marker}{self.name}{marker}")  # noqa: S308 - our own marker
        return super().render(context)


@register.tag
def hole(parser, token):
    bits = token.split_contents()
    if len(bits) != 3 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            f'{bits[0]} takes a quoted name and a template: {{% hole "name" "template.html" %}}'
        )
    return HoleNode(bits[1][1:-1], parser.compile_filter(bits[2]))
