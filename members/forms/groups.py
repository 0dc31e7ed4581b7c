from django import forms
from django.contrib.auth.models import Group

from members.models import GroupProfile


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
        name = self.cleaned_data["name"].strip()
        clash = Group.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("A group or role with this name already exists.")
        return name


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
