from django import forms


class AccountEraseForm(forms.Form):
    """Two deliberate acts before an irreversible erase: the current password (someone at an
    unlocked computer cannot erase you) and the username typed out (no slip of the mouse)."""

    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password."},
    )
    confirm_username = forms.CharField(
        label="Type your username to confirm",
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": "Type your username to confirm."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password.", code="password")
        return password

    def clean_confirm_username(self) -> str:
        typed = self.cleaned_data["confirm_username"].strip()
        if typed != self.user.username:
            raise forms.ValidationError(
                f"Type your username, {self.user.username}, exactly to confirm.", code="confirm"
            )
        return typed
