"""The dashboard's inputs: date ranges for exports and the API, and the target form of the
admin. Every refusal is a sentence the person can act on."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

from metrics.catalogue import CATALOGUE, kpis_in_order
from metrics.models import WINDOWS, ApiToken, KpiTarget
from metrics.permissions import can_view_dashboard

# The longest range one export or API call may ask for, like backfill_metrics.
MAX_RANGE_DAYS = 3 * 366
DEFAULT_RANGE_DAYS = 90


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise forms.ValidationError(f"“{name}” takes a date as YYYY-MM-DD.") from None


class RangeForm(forms.Form):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD[&window=30][&keys=a,b]. Missing dates default to the
    DEFAULT_RANGE_DAYS days ending with `default_last` (the latest snapshot day)."""

    def __init__(self, data, *, default_last: date, with_keys=False, with_window=False):
        super().__init__(data)
        self.default_last = default_last
        self.with_keys = with_keys
        self.with_window = with_window

    def clean(self):
        data = self.data
        errors = []
        first = last = None
        try:
            last = _day(data["to"], "to") if data.get("to") else self.default_last
        except forms.ValidationError as error:
            errors.append(error)
        try:
            first = _day(data["from"], "from") if data.get("from") else None
        except forms.ValidationError as error:
            errors.append(error)
        if first is None and last is not None and not errors:
            first = last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if first and last:
            if last < first:
                errors.append(forms.ValidationError(f"“to” ({last}) is before “from” ({first})."))
            elif (last - first).days + 1 > MAX_RANGE_DAYS:
                errors.append(
                    forms.ValidationError(
                        f"At most {MAX_RANGE_DAYS} days at a time; split the range."
                    )
                )
        window = None
        if self.with_window:
            raw = data.get("window") or "30"
            if raw not in {str(days) for days in WINDOWS}:
                errors.append(
                    forms.ValidationError(
                        "“window” is one of " + ", ".join(str(days) for days in WINDOWS) + "."
                    )
                )
            else:
                window = int(raw)
        keys = None
        if self.with_keys:
            raw = data.get("keys", "")
            keys = [key.strip() for key in raw.split(",") if key.strip()] if raw else None
            if keys is not None:
                unknown = [key for key in keys if key not in CATALOGUE]
                if unknown:
                    shown = ", ".join(key[:64] for key in unknown[:5])
                    errors.append(forms.ValidationError(f"Unknown KPI keys: {shown}."))
            if keys is None:
                keys = [kpi.key for kpi in kpis_in_order()]
        if errors:
            raise forms.ValidationError(errors)
        return {"first": first, "last": last, "window": window, "keys": keys}

    def error_text(self) -> str:
        return " ".join(self.non_field_errors())


def kpi_choices() -> list[tuple[str, str]]:
    return [(kpi.key, f"{kpi.name} ({kpi.key})") for kpi in kpis_in_order()]


class KpiTargetForm(forms.ModelForm):
    """The KPI is chosen from the registered ones; a target already saved for a KPI that is
    no longer registered keeps its key as a choice, so editing it does not lose it."""

    key = forms.ChoiceField(label="KPI", choices=())
    value = forms.FloatField(
        label="Target value",
        help_text="A number in the KPI's unit; a share (%) as a number between 0 and 1.",
        error_messages={"invalid": "Enter the target as a number, e.g. 0.8 or 120."},
    )

    class Meta:
        model = KpiTarget
        fields = ["key", "business_goal", "value", "window", "owner", "starts_on", "ends_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = kpi_choices()
        current = self.instance.key if self.instance and self.instance.pk else ""
        if current and current not in CATALOGUE:
            choices.append((current, f"{current} (no longer registered)"))
        self.fields["key"].choices = [("", "---------"), *choices]

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date is before the start date.")
        return cleaned


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["owner", "name"]

    def clean_owner(self):
        owner = self.cleaned_data["owner"]
        if not self.instance.pk and not can_view_dashboard(owner):
            raise forms.ValidationError(
                "This person cannot read the dashboard (Executives and Community managers "
                "can); a token acts as its owner, so it would be refused."
            )
        return owner
