from django import forms

from forums.models import POST_BODY_MAX_LENGTH, TOPIC_TITLE_MAX_LENGTH

BODY_HELP = "Markdown: **bold**, _italic_, `code`, [links](https://example.org), > quotes."


def _max_length_message(limit: int, noun: str) -> str:
    return (
        f"{noun} are limited to {limit:,} characters "
        "(this one has %(show_value)s). Shorten it or split it up."
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=POST_BODY_MAX_LENGTH,
        strip=False,  # Markdown: leading spaces make code blocks
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
        error_messages={
            "required": "Write something before posting.",
            "max_length": _max_length_message(POST_BODY_MAX_LENGTH, "Posts"),
        },
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before posting.", code="blank")
        return body


class TopicForm(ReplyForm):
    title = forms.CharField(
        max_length=TOPIC_TITLE_MAX_LENGTH,
        error_messages={
            "required": "Give your topic a title.",
            "max_length": _max_length_message(TOPIC_TITLE_MAX_LENGTH, "Titles"),
        },
    )
    field_order = ["title", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "What would you like to discuss?"
