from django import forms

from members.services.reciprocity import SHOUT_OUT_MAX_LENGTH


class ShoutOutForm(forms.Form):
    message = forms.CharField(
        label="Why should people follow them?",
        max_length=SHOUT_OUT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": SHOUT_OUT_MAX_LENGTH}),
        help_text=f"Up to {SHOUT_OUT_MAX_LENGTH} characters, shown as plain text on their profile.",
        error_messages={
            "required": "Write a few words about why people should follow them.",
            "max_length": "Keep it to %(limit_value)d characters (this one has %(show_value)d).",
        },
    )
