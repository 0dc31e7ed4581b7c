"""Input for the moderation views and admin actions (flags, move, merge, suspend)."""

import re

from django import forms
from django.utils import timezone

from forums.models import Category, FlagReason
from forums.services.flags import FLAG_NOTE_MAX_LENGTH
from forums.services.moderation import REASON_MAX_LENGTH


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Pick a reason for the flag.",
            "invalid_choice": "Pick a reason for the flag.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=FLAG_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, except for “Something else”: what should the moderators know?",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)


class MoveForm(ReasonForm):
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        label="Move to",
        error_messages={"invalid_choice": "Pick a category you can see."},
    )

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:
            self.fields["category"].queryset = categories


class MergeForm(ReasonForm):
    into = forms.CharField(
        label="Merge into topic",
        max_length=300,
        help_text="The topic's number or its address (…/t/123/…).",
    )

    def clean_into(self) -> int:
        value = self.cleaned_data["into"].strip()
        match = re.search(r"/t/(\d+)", value) or re.fullmatch(r"#?(\d+)", value)
        if not match or len(match.group(1)) > 18:
            raise forms.ValidationError("Give the topic's number or paste its address.")
        return int(match.group(1))


class SuspendForm(forms.Form):
    until = forms.DateTimeField(
        label="Suspended until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        error_messages={
            "required": "Choose when the suspension ends.",
            "invalid": "Give the end as a date and time.",
        },
    )
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The member is shown this.",
        error_messages={"required": "Say why: the member is shown the reason."},
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise forms.ValidationError("The suspension must end in the future.")
        return until
