"""The library's member-facing forms: promoting a topic, suggesting a resource, commenting.
They check shape and size; the services (library.promotion, library.suggestions,
library.engagement) decide the rules and store."""

from django import forms

from community.markdown import MAX_MARKDOWN_LENGTH
from library.models import (
    SUGGESTION_TEXT_MAX_LENGTH,
    SUGGESTION_TITLE_MAX_LENGTH,
    LibraryAccess,
    Suggestion,
)


def _too_long(limit: int, what: str) -> str:
    return f"{what} can be at most {limit:,} characters (this one has %(show_value)s)."


class PromoteForm(forms.Form):
    """`draft` (library.promotion.PromotionDraft) gives the initial values and the people
    who may be credited; `collections` the collections the moderator may see."""

    title = forms.CharField(
        max_length=200,
        error_messages={"max_length": _too_long(200, "Titles")},
    )
    summary = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two sentences shown in lists.",
        error_messages={"max_length": _too_long(1000, "Summaries")},
    )
    body = forms.CharField(
        label="Article (Markdown)",
        max_length=MAX_MARKDOWN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Start from the discussion and make sense of it: context, the answer, "
        "what to watch out for.",
        error_messages={"max_length": _too_long(MAX_MARKDOWN_LENGTH, "Articles")},
    )
    access = forms.ChoiceField(label="Who may see it", choices=LibraryAccess.choices)
    collections = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    credited = forms.TypedMultipleChoiceField(
        label="Credit",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The people who wrote the discussion; untick anyone who should not be credited.",
    )

    def __init__(self, *args, draft, collections, **kwargs):
        initial = {
            "title": draft.title,
            "summary": draft.summary,
            "body": draft.body,
            "access": draft.ceiling.access,
            "credited": [candidate.member.pk for candidate in draft.candidates],
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["collections"].queryset = collections
        self.fields["credited"].choices = [
            (candidate.member.pk, f"{candidate.member.public_name} ({candidate.role_label})")
            for candidate in draft.candidates
        ]


class SuggestionForm(forms.ModelForm):
    """The link is checked by the model's validator, the one link resources use: http and
    https only, so javascript: and data: addresses are refused."""

    url = forms.URLField(
        label="Link (optional)",
        required=False,
        max_length=2000,
        assume_scheme="https",
        error_messages={"invalid": "Give a web address starting with http:// or https://."},
    )

    class Meta:
        model = Suggestion
        fields = ["title", "url", "description", "reason", "collection"]
        labels = {
            "url": "Link (optional)",
            "description": "What is it? (optional if you give a link)",
            "reason": "Why does it belong in the library?",
            "collection": "Collection (optional)",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "reason": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "title": {"max_length": _too_long(SUGGESTION_TITLE_MAX_LENGTH, "Titles")},
            "description": {"max_length": _too_long(SUGGESTION_TEXT_MAX_LENGTH, "The description")},
            "reason": {
                "required": "Say in a few words why it belongs in the library.",
                "max_length": _too_long(SUGGESTION_TEXT_MAX_LENGTH, "The reason"),
            },
        }

    def __init__(self, *args, collections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections

    def clean(self):
        cleaned = super().clean()
        missing = not cleaned.get("url") and not (cleaned.get("description") or "").strip()
        if missing and "url" not in self.errors and "description" not in self.errors:
            self.add_error("description", "Give a link or describe the resource.")
        for name in ("title", "description", "reason"):
            if "\x00" in (cleaned.get(name) or ""):
                self.add_error(name, "Null characters are not allowed.")
        return cleaned


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=MAX_MARKDOWN_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write something before posting.",
            "max_length": _too_long(MAX_MARKDOWN_LENGTH, "Comments"),
        },
    )
