"""{% hole "name" "template.html" %}: include a template, or leave a hole for it.

Anywhere else the same as {% include "template.html" %}. While a page is rendered to be
shared (community.page_cache.shared, forums.page_cache), the context holds
`page_cache_shared` and the tag writes the hole (community.page_cache.splice) instead; each
response fills in its viewer's own piece.
Registered as the `page_holes` library in the TEMPLATES settings."""

from django import template
from django.template.loader_tags import IncludeNode

from community.page_cache.splice import hole as hole_text

register = template.Library()

SHARED_CONTEXT_FLAG = "page_cache_shared"


class HoleNode(IncludeNode):
    def __init__(self, name: str, *args, **kwargs):
        self.name = name
        super().__init__(*args, **kwargs)

    def render(self, context):
        if context.get(SHARED_CONTEXT_FLAG):
            return hole_text(self.name)
        return super().render(context)


@register.tag
def hole(parser, token):
    bits = token.split_contents()
    if len(bits) != 3 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            f'{bits[0]} takes a quoted name and a template: {{% hole "name" "template.html" %}}'
        )
    return HoleNode(bits[1][1:-1], parser.compile_filter(bits[2]))
