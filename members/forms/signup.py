"""allauth's sign-up form (ACCOUNT_FORMS["signup"]) with the honeypot hidden by a class.

allauth moves its honeypot field off-screen with an inline `right: -99999px`, which makes
the sign-up page about 100,000 px wide: on a phone it scrolls sideways. Here the field
is hidden like any visually hidden element (hearth.css `.form-trap`: 1px, clipped, out of
the flow), which bots filling every input still fill, and labelled for the rare person whose
screen reader reaches it. A separate module: allauth builds its form on top of
members.forms.accounts.SignupForm, so importing allauth's forms there would be circular."""

from allauth.account import app_settings
from allauth.account.forms import SignupForm

HONEYPOT_LABEL = "Leave this field empty"


class HearthSignupForm(SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(app_settings.SIGNUP_FORM_HONEYPOT_FIELD or "")
        if field is not None:
            field.label = HONEYPOT_LABEL
            attrs = field.widget.attrs
            attrs.pop("style", None)
            attrs.update({"class": "form-trap", "tabindex": "-1", "autocomplete": "off"})
