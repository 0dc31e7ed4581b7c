from django import forms

from community.selectors import branding_get


class SignupForm(forms.Form):
    """Extra sign-up questions, asked only when new accounts need a community manager's
    approval (allauth's ACCOUNT_SIGNUP_FORM_CLASS; the adapter stores the answers)."""

    company = forms.CharField(max_length=120, required=False)
    headline = forms.CharField(max_length=120, required=False, label="Job title")
    reason = forms.CharField(
        max_length=1000,
        required=False,
        label="Why would you like to join?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    APPLICATION_FIELDS = ("company", "headline", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not branding_get().approve_new_members:
            for name in self.APPLICATION_FIELDS:
                del self.fields[name]

    def signup(self, request, user):
        """allauth calls this after the account is saved; the adapter already did the work."""
