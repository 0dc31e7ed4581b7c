"""allauth's log-in forms with Hearth's address normal form. Kept apart from `accounts`:
allauth's forms module imports the sign-up form from there while it loads."""

from allauth.account import forms as allauth_forms
from django.core.exceptions import ValidationError

from members.validators import email_normalise


def _normal_or_as_typed(address: str) -> str:
    try:
        return email_normalise(address)
    except ValidationError:
        return address  # cannot be a stored address: fails as any unknown address does


class LoginForm(allauth_forms.LoginForm):
    """A member signs in with any spelling of their address (bücher.example for the stored
    xn--bcher-kva.example), and wrong passwords count against the mailbox, not the spelling."""

    def clean_login(self):
        return _normal_or_as_typed(super().clean_login())


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    def clean_email(self):
        if self.cleaned_data.get("email"):
            self.cleaned_data["email"] = _normal_or_as_typed(self.cleaned_data["email"])
        return super().clean_email()
