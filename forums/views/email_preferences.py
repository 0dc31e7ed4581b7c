"""The member's e-mail preferences page, and the one-click unsubscribe page that every
notification e-mail links to (community.email_preferences keeps the preferences and signs
the links).

They are forums' pages because most mail they govern is a forum's: @mentions, replies and
the digest of watched topics, categories and tags (forums.services.notify sends them all).
The community team's occasional e-mails to a list of members have their switch here too,
so a member finds every kind of mail in one place. The root URLconf serves them at
/notifications/email/ and /accounts/unsubscribe/<token>/, beside the in-app notifications,
so the addresses in e-mails already sent keep working."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from community.email_preferences import (
    BadUnsubscribeLink,
    email_preferences_get,
    email_preferences_update,
    email_unsubscribe,
    unsubscribe_token_read,
)
from community.models import DigestFrequency
from members.models import User
from members.permissions import is_community_member


class EmailPreferencesForm(forms.Form):
    on_mention = forms.BooleanField(label="E-mail me when someone @mentions me", required=False)
    on_reply = forms.BooleanField(
        label="E-mail me when someone replies to my topic or post", required=False
    )
    digest = forms.ChoiceField(
        label="Digest of the topics, categories and tags I watch",
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        help_text="Sent at 07:00: daily ones every day, weekly ones on Mondays. Only when "
        "there is something new.",
    )
    on_outreach = forms.BooleanField(
        label="E-mail me now and then from the community team",
        required=False,
        help_text="A welcome, a thank-you or an invitation, written to a few members at a time.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_preferences(request):
    preferences = email_preferences_get(user=request.user)
    initial = {
        "on_mention": preferences.on_mention,
        "on_reply": preferences.on_reply,
        "digest": preferences.digest,
        "on_outreach": preferences.on_outreach,
    }
    form = EmailPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        email_preferences_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("notifications:email-preferences")
    return render(request, "forums/email_preferences.html", {"form": form})


@csrf_exempt  # RFC 8058: mail providers POST here with no session; the signed token is the key
@require_http_methods(["GET", "POST"])
def email_unsubscribe_view(request, token: str):
    """GET shows what the link turns off and a button; POST turns it off. No sign-in
    needed: the token names the member and the kind of mail, signed."""
    try:
        user_id, kind = unsubscribe_token_read(token)
    except BadUnsubscribeLink:
        return render(request, "forums/email_unsubscribe_invalid.html", status=400)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not is_community_member(user):
        return render(request, "forums/email_unsubscribe_invalid.html", status=400)
    context = {"kind": kind, "what": kind.label, "done": False}
    if request.method == "POST":
        with transaction.atomic():
            email_unsubscribe(user=user, kind=kind)
        context["done"] = True
    return render(request, "forums/email_unsubscribe.html", context)
