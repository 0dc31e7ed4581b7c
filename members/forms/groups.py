from django import forms
from django.core.exceptions import ValidationError
from django.db import connection

from members.models import GroupProfile, User
from members.services.groups import group_name_check
from members.validators import email_normalise


class GroupRequestForm(forms.Form):
    message = forms.CharField(
        max_length=1000,
        required=False,
        label="Message to the group's managers (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GroupInviteForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        label="E-mail address",
        help_text="They get a link that works once and expires in 14 days. People without "
        "an account can sign up through it.",
    )

    def clean_email(self):
        # The form sign-up stores, so the invitation names the address the account will have.
        return email_normalise(self.cleaned_data["email"])


class GroupRequestDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")])

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class GroupProfileAdminForm(forms.ModelForm):
    """The admin edits the auth Group's name beside its profile; the services write both."""

    name = forms.CharField(max_length=150)

    class Meta:
        model = GroupProfile
        fields = ["name", "slug", "description", "cover_image", "visibility", "join_policy"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].initial = self.instance.group.name

    def clean_name(self) -> str:
        # The services' rule, checked here too so a clash is a form error and not a failed
        # save (group_create/group_update check it again).
        try:
            return group_name_check(
                name=self.cleaned_data["name"], exclude_group_id=self.instance.pk or None
            )
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["name"]) from exc


class GroupMembersAddForm(forms.Form):
    """Admin: add people by username or e-mail, one per line."""

    people = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Add members",
        help_text="Usernames or e-mail addresses, one per line (at most 200).",
    )

    def clean_people(self) -> list[str]:
        entries = [line.strip() for line in self.cleaned_data["people"].splitlines()]
        entries = [entry for entry in entries if entry]
        if len(entries) > 200:
            raise forms.ValidationError("Add at most 200 people at a time.")
        return entries


class _IdListField(forms.Field):
    """Several ids from checkboxes (`?user=1&user=2`). Anything but plain ASCII digits within
    the column's range is an error, not a crash: str.isdigit() accepts "²", which int()
    then refuses, and a 21-digit number overflows the database integer."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one member first.",
        "invalid": "“%(value)s” is not a member of this list; reload the page and try again.",
    }

    def __init__(self, *, model, **kwargs):
        super().__init__(**kwargs)
        self.id_range = connection.ops.integer_field_range(model._meta.pk.get_internal_type())

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        low, high = self.id_range
        ids = []
        for raw in values:
            text = str(raw).strip()
            if not (text.isascii() and text.isdigit() and len(text) <= 20):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": text[:40]}
                )
            number = int(text)
            if not (max(low, 1) <= number <= high):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": text[:40]}
                )
            ids.append(number)
        return ids


class GroupMembersActionForm(forms.Form):
    """Admin: what to do with the members ticked on a group's members page."""

    action = forms.ChoiceField(
        choices=[
            ("remove", "Remove from the group"),
            ("make_manager", "Make managers"),
            ("stop_managing", "Stop managing"),
        ]
    )
    user = _IdListField(model=User)
