"""Input for polls. The vote form is built for one poll's kind; the services validate again
(they are the authority), and their ValidationErrors land on the form."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group

from polls.models import (
    MAX_OPTIONS,
    OPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    Poll,
    PollKind,
    ResultsVisibility,
    choice_limits_errors,
)


class VoteForm(forms.Form):
    """Single: `option` (radio). Multiple: `options` (checkboxes). Rating: `rating_<id>`
    per option (radio 5..1). Ranked: `rank_<id>` per option (1..n or blank = not ranked).
    `cleaned_data` then holds `selection` or `ratings` for the services."""

    def __init__(self, *args, poll: Poll, options, initial_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        self.poll_options = list(options)
        mine = initial_choices or {}
        choices = [(option.pk, option.text) for option in self.poll_options]
        if poll.kind == PollKind.SINGLE:
            self.fields["option"] = forms.TypedChoiceField(
                label=poll.question,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                initial=next(iter(mine), None),
                error_messages={"required": "Choose an option to vote."},
            )
        elif poll.kind == PollKind.MULTIPLE:
            self.fields["options"] = forms.TypedMultipleChoiceField(
                label=poll.question,
                choices=choices,
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                initial=list(mine),
                error_messages={"required": "Choose at least one option to vote."},
            )
        elif poll.kind == PollKind.RATING:
            values = [(value, str(value)) for value in range(RATING_MAX, RATING_MIN - 1, -1)]
            for option in self.poll_options:
                self.fields[f"rating_{option.pk}"] = forms.TypedChoiceField(
                    label=option.text,
                    choices=values,
                    coerce=int,
                    widget=forms.RadioSelect,
                    initial=mine.get(option.pk),
                    error_messages={"required": "Give this option a rating."},
                )
        else:
            ranks = [("", "—"), *((n, str(n)) for n in range(1, len(self.poll_options) + 1))]
            for option in self.poll_options:
                self.fields[f"rank_{option.pk}"] = forms.TypedChoiceField(
                    label=option.text,
                    choices=ranks,
                    coerce=int,
                    required=False,
                    empty_value=None,
                    initial=mine.get(option.pk),
                )

    def rating_fields(self):
        return [self[f"rating_{option.pk}"] for option in self.poll_options]

    def rank_fields(self):
        return [self[f"rank_{option.pk}"] for option in self.poll_options]

    def clean(self):
        data = super().clean()
        kind = self.poll.kind
        if kind == PollKind.SINGLE and data.get("option") is not None:
            data["selection"] = [data["option"]]
        elif kind == PollKind.MULTIPLE and "options" in data:
            data["selection"] = list(data["options"])
        elif kind == PollKind.RATING:
            data["ratings"] = {
                option.pk: data[f"rating_{option.pk}"]
                for option in self.poll_options
                if data.get(f"rating_{option.pk}") is not None
            }
        elif kind == PollKind.RANKED:
            ranked = {
                option.pk: data[f"rank_{option.pk}"]
                for option in self.poll_options
                if data.get(f"rank_{option.pk}") is not None
            }
            ranks = sorted(ranked.values())
            if not ranks:
                raise forms.ValidationError("Rank at least one option (1 = your first choice).")
            if ranks != list(range(1, len(ranks) + 1)):
                raise forms.ValidationError(
                    "Number your choices 1, 2, 3… without gaps or repeats; leave the rest blank."
                )
            data["selection"] = sorted(ranked, key=ranked.__getitem__)
        return data

    def service_kwargs(self) -> dict:
        return {
            key: self.cleaned_data[key]
            for key in ("selection", "ratings")
            if key in self.cleaned_data
        }


class PollCreateForm(forms.Form):
    question = forms.CharField(max_length=QUESTION_MAX_LENGTH)
    kind = forms.ChoiceField(choices=PollKind.choices, initial=PollKind.SINGLE)
    # Not required here: polls.services.poll_create counts the non-blank lines and says how
    # many a poll needs for its kind (one place for the rule). The length cap only stops a
    # huge paste before it is split, with a message that says what fits.
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"One option per line, up to {MAX_OPTIONS}.",
        required=False,
        max_length=MAX_OPTIONS * (OPTION_MAX_LENGTH + 2),
        error_messages={
            "max_length": f"Give at most {MAX_OPTIONS} options, one per line, each at most "
            f"{OPTION_MAX_LENGTH} characters long."
        },
    )
    min_choices = forms.IntegerField(
        min_value=1, max_value=MAX_OPTIONS, initial=1, help_text="Multiple choice only."
    )
    max_choices = forms.IntegerField(
        min_value=1,
        max_value=MAX_OPTIONS,
        required=False,
        help_text="Multiple choice only; blank for no limit.",
    )
    closes_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional; blank keeps it open until a moderator closes it.",
    )
    results_visibility = forms.ChoiceField(
        label="Show results", choices=ResultsVisibility.choices, initial=ResultsVisibility.ALWAYS
    )
    is_anonymous = forms.BooleanField(
        label=(
            "Anonymous: nobody, not even moderators, can see who voted for what. Votes are final."
        ),
        required=False,
    )
    voter_groups = forms.ModelMultipleChoiceField(
        label="Only these groups may vote",
        queryset=Group.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to let everyone who sees the topic vote.",
    )

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        if groups is not None:
            self.fields["voter_groups"].queryset = groups
        else:
            del self.fields["voter_groups"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == PollKind.MULTIPLE:
            limits = choice_limits_errors(data.get("min_choices"), data.get("max_choices"))
            for name, message in limits.items():
                self.add_error(name, message)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "question": data["question"],
            "kind": data["kind"],
            "options": data["options"].splitlines(),
            "min_choices": data["min_choices"],
            "max_choices": data["max_choices"],
            "closes_at": data["closes_at"],
            "results_visibility": data["results_visibility"],
            "is_anonymous": data["is_anonymous"],
            "voter_groups": data.get("voter_groups") or (),
        }
