"""forums:watch: set how much a topic, category or tag notifies the member."""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from forums.models import WatchLevel
from forums.permissions import access_category, access_tag, access_topic
from forums.services.watching import watch_set as watch_level_set
from forums.templatetags.forum_watching import SHORT_LABELS, watch_controls_context
from members.permissions import is_community_member

DEFAULT = "default"


class WatchForm(forms.Form):
    target = forms.ChoiceField(choices=[(t, t) for t in ("topic", "category", "tag")])
    id = forms.IntegerField(min_value=1, max_value=2**62)
    level = forms.ChoiceField(
        choices=[(str(level.value), level.label) for level in WatchLevel]
        + [(DEFAULT, "Use the default")],
        error_messages={"invalid_choice": "Choose watching, normal, muted or the default."},
    )


def _target(user, kind: str, pk: int):
    if kind == "topic":
        return access_topic(user, pk=pk)
    if kind == "category":
        return access_category(user, pk=pk)
    return access_tag(user, pk=pk)


@require_POST
def watch_set(request):
    """POST target (topic|category|tag), id and level (0 muted, 1 normal, 2 watching, or
    "default" to clear). htmx gets the control back; a plain form goes back where it came
    from with a message. A target the member may not see answers 404, like a missing one."""
    if not request.user.is_authenticated:
        next_url = request.POST.get("next", "")
        return redirect_to_login(next_url if next_url.startswith("/") else "/forums/")
    if not is_community_member(request.user):
        raise Http404("No such page.")
    form = WatchForm(request.POST)
    if not form.is_valid():
        message = " ".join(" ".join(errors) for errors in form.errors.values())
        return HttpResponse(f"Could not change notifications: {message}", status=400,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    kind = form.cleaned_data["target"]
    target = _target(request.user, kind, form.cleaned_data["id"])
    raw_level = form.cleaned_data["level"]
    level = None if raw_level == DEFAULT else WatchLevel(int(raw_level))
    watch_level_set(user=request.user, level=level, **{kind: target})
    if request.htmx:
        return render(
            request,
            "forums/_watch_controls.html",
            {"request": request, **watch_controls_context(request.user, target)},
        )
    if level is None:
        messages.success(request, f"This {kind} now follows your default notifications.")
    else:
        messages.success(request, f"Notifications for this {kind}: {SHORT_LABELS[level]}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = target.get_absolute_url()
    return redirect(next_url)
