from django import forms

from forums.models import POST_BODY_MAX_LENGTH, TOPIC_TITLE_MAX_LENGTH
from forums.services.tags import MAX_TAGS_PER_TOPIC
from forums.services.uploads import IMAGE_ALT_MAX_LENGTH
from forums.topic_boxes import follow_up_field, follow_ups

BODY_HELP = "Markdown: **bold**, _italic_, `code`, [links](https://example.org), > quotes."
TAG_NOT_ALLOWED = "That tag can't be used in this category. Pick one from the list."


def _max_length_message(limit: int, noun: str) -> str:
    return (
        f"{noun} are limited to {limit:,} characters "
        "(this one has %(show_value)s). Shorten it or split it up."
    )


def _body_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=POST_BODY_MAX_LENGTH,
        strip=False,  # Markdown: leading spaces make code blocks
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
        error_messages={
            "required": "Write something before posting.",
            "max_length": _max_length_message(POST_BODY_MAX_LENGTH, "Posts"),
        },
    )


class ReplyForm(forms.Form):
    body = _body_field("Your reply")

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something before posting.", code="blank")
        return body


class TopicForm(ReplyForm):
    """`tags`: the tags allowed in the category (forums.services.tags.tags_allowed_for); the
    field is left out when there are none."""

    title = forms.CharField(
        max_length=TOPIC_TITLE_MAX_LENGTH,
        error_messages={
            "required": "Give your topic a title.",
            "max_length": _max_length_message(TOPIC_TITLE_MAX_LENGTH, "Titles"),
        },
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Up to {MAX_TAGS_PER_TOPIC}.",
        error_messages={"invalid_choice": TAG_NOT_ALLOWED, "invalid_pk_value": TAG_NOT_ALLOWED},
    )
    field_order = ["title", "body", "tags"]

    def __init__(self, *args, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "What would you like to discuss?"
        if tags is None or not tags.exists():
            del self.fields["tags"]
        else:
            self.fields["tags"].queryset = tags
        # "Add a poll after posting": what other apps let the author add to the new topic.
        for box in follow_ups():
            self.fields[follow_up_field(box)] = forms.BooleanField(
                label=box.follow_up_label, required=False
            )

    def follow_up_fields(self):
        return [self[follow_up_field(box)] for box in follow_ups()]

    def follow_up_url(self, topic) -> str | None:
        """Where the author goes once `topic` is made, if they ticked a follow-up."""
        for box in follow_ups():
            if self.cleaned_data.get(follow_up_field(box)):
                return box.follow_up_url(topic)
        return None

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give your topic a title.", code="blank")
        return title

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > MAX_TAGS_PER_TOPIC:
            raise forms.ValidationError(
                f"Pick at most {MAX_TAGS_PER_TOPIC} tags (you picked {len(tags)}).",
                code="too_many_tags",
            )
        return tags


class PreviewForm(forms.Form):
    body = _body_field("Post")


class DraftForm(forms.Form):
    """What the composer sends as the member types: the text and where it is going."""

    # Lengths are checked by forums.services.drafts, with the composer's own wording.
    title = forms.CharField(required=False, strip=False)
    body = forms.CharField(required=False, strip=False)
    category = forms.IntegerField(required=False, min_value=1)
    topic = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("category")) == bool(cleaned.get("topic")):
            raise forms.ValidationError("Nothing to save the draft for.", code="no_place")
        return cleaned


class ImageUploadForm(forms.Form):
    # A FileField, not an ImageField: community.images does the checking and re-encoding.
    image = forms.FileField(
        label="Image",
        error_messages={
            "required": "Choose an image to upload.",
            "empty": "That file is empty. Choose an image to upload.",
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    alt = forms.CharField(
        label="Describe the image (for people who can't see it)",
        max_length=IMAGE_ALT_MAX_LENGTH,
        required=False,
    )
