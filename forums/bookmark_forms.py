"""The bookmark form (forums:post-bookmark): an optional note and an optional reminder,
either a quick choice or a date and time."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from forums.services.bookmarks import BOOKMARK_NOTE_MAX_LENGTH

REMIND_IN_CHOICES = [
    ("", "No reminder"),
    ("1h", "In an hour"),
    ("tomorrow", "Tomorrow morning"),
    ("week", "In a week"),
]


def _remind_in(choice: str, now: datetime) -> datetime | None:
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        local = timezone.localtime(now) + timedelta(days=1)
        return local.replace(hour=9, minute=0, second=0, microsecond=0)
    if choice == "week":
        return now + timedelta(days=7)
    return None


class BookmarkForm(forms.Form):
    ACTIONS = ("toggle", "save", "remove")

    action = forms.ChoiceField(
        choices=[(action, action) for action in ACTIONS], required=False, initial="toggle"
    )
    note = forms.CharField(max_length=BOOKMARK_NOTE_MAX_LENGTH, required=False, strip=True)
    remind_in = forms.ChoiceField(choices=REMIND_IN_CHOICES, required=False)
    remind_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Your local time.",
    )

    def clean(self):
        cleaned = super().clean()
        cleaned["action"] = cleaned.get("action") or "toggle"
        if cleaned.get("remind_at") is None and cleaned.get("remind_in"):
            cleaned["remind_at"] = _remind_in(cleaned["remind_in"], timezone.now())
        return cleaned
