"""Input for the profile edit page and the directory's search and filters. The services
validate again; these forms turn text boxes into the values the services take and give
each mistake a message next to its field."""

from urllib.parse import urlsplit

from django import forms
from django.utils.text import slugify

from members.models import VISIBLE_FIELDS, Profile, TrustLevel, User, Visibility
from members.selectors.directory import (
    DIRECTORY_DEFAULT_SORT,
    DIRECTORY_SORTS,
    DirectoryQuery,
    directory_group_choices,
)
from members.services.profiles import (
    AVATAR_MAX_BYTES,
    EXPERTISE_MAX,
    EXPERTISE_NAME_MAX_LENGTH,
    SOCIAL_LABEL_MAX_LENGTH,
    SOCIAL_LINKS_MAX,
    URL_MAX_LENGTH,
    expertise_names_validate,
    http_url_validator,
    social_links_validate,
)

VISIBILITY_LABELS = {
    "headline": "headline",
    "company": "company",
    "location": "location",
    "time_zone": "time zone",
    "bio": "about text",
    "expertise": "expertise",
    "links": "website and links",
    "last_seen": "last-seen date",
}
AVATAR_ACCEPT = "image/png,image/jpeg,image/gif,image/webp"


class HttpURLField(forms.URLField):
    # Django's URLField also accepts ftp:// and ftps://; a profile link is for browsers.
    default_validators = [http_url_validator]


def _text(max_length: int, label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(max_length=max_length, required=False, label=label, help_text=help_text)


def social_links_parse(text: str) -> list[dict[str, str]]:
    """One link a line: "Label https://address". A line with only an address is labelled
    with its host name."""
    links = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        label, _, url = line.rpartition(" ")
        if not label:
            label = urlsplit(url).hostname or url
        links.append({"label": label.strip(), "url": url})
    return links


def social_links_format(links: list[dict[str, str]]) -> str:
    return "\n".join(f"{link.get('label', '')} {link.get('url', '')}".strip() for link in links)


class ProfileForm(forms.Form):
    display_name = _text(
        User._meta.get_field("display_name").max_length,
        "Display name",
        "How your name appears to others. Leave it empty to show your username.",
    )
    headline = _text(120, "Headline or job title", "For example “Operations lead at Globex”.")
    company = _text(120, "Company")
    location = _text(120, "Location", "A city or region is plenty.")
    time_zone = Profile._meta.get_field("time_zone").formfield(required=False, label="Time zone")
    bio = forms.CharField(
        max_length=Profile._meta.get_field("bio").max_length,
        required=False,
        label="About you",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown: **bold**, *italic*, [links](https://example.com), lists.",
    )
    expertise = forms.CharField(
        max_length=EXPERTISE_MAX * (EXPERTISE_NAME_MAX_LENGTH + 2),
        required=False,
        label="Expertise",
        help_text=f"Up to {EXPERTISE_MAX}, separated by commas, for example "
        "“Onboarding, Billing, Python”.",
    )
    website = HttpURLField(
        max_length=URL_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        label="Website",
        error_messages={"invalid": "Enter an address that starts with http:// or https://."},
    )
    social_links = forms.CharField(
        max_length=SOCIAL_LINKS_MAX * (SOCIAL_LABEL_MAX_LENGTH + URL_MAX_LENGTH + 2),
        required=False,
        label="Other links",
        widget=forms.Textarea(attrs={"rows": SOCIAL_LINKS_MAX}),
        help_text=f"Up to {SOCIAL_LINKS_MAX}, one a line: a label, a space, then the address, "
        "for example “LinkedIn https://www.linkedin.com/in/you”.",
    )
    avatar = forms.FileField(
        required=False,
        label="Photo",
        widget=forms.FileInput(attrs={"accept": AVATAR_ACCEPT}),
        help_text=f"PNG, JPEG, GIF or WebP, at most {AVATAR_MAX_BYTES // (1024 * 1024)} MB. "
        "It is resized to fit 400×400 pixels.",
    )
    avatar_remove = forms.BooleanField(required=False, label="Remove my photo")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in VISIBLE_FIELDS:
            self.fields[f"{field}_visibility"] = forms.ChoiceField(
                choices=Visibility.choices,
                label=f"Who sees your {VISIBILITY_LABELS[field]}",
                initial=Profile._meta.get_field(f"{field}_visibility").default,
            )

    @classmethod
    def initial_for(cls, *, user: User, profile: Profile) -> dict:
        initial = {
            "display_name": user.display_name,
            "headline": profile.headline,
            "company": profile.company,
            "location": profile.location,
            "time_zone": profile.time_zone,
            "bio": profile.bio,
            "website": profile.website,
            "social_links": social_links_format(profile.social_links or []),
            # An unsaved profile (the account has no row yet) has no tags to read.
            "expertise": ""
            if profile._state.adding
            else ", ".join(tag.name for tag in profile.expertise.all()),
        }
        for field in VISIBLE_FIELDS:
            initial[f"{field}_visibility"] = getattr(profile, f"{field}_visibility")
        return initial

    def visibility_field(self, field: str):
        return self[f"{field}_visibility"]

    def clean_social_links(self) -> list[dict[str, str]]:
        return social_links_validate(social_links_parse(self.cleaned_data["social_links"]))

    def clean_expertise(self) -> list[str]:
        return expertise_names_validate(self.cleaned_data["expertise"].split(","))


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        max_length=100,
        required=False,
        label="Search members",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, company, title, expertise, location"}
        ),
    )
    group = forms.ChoiceField(
        required=False,
        label="Group",
        error_messages={"invalid_choice": "There is no such group."},
    )
    trust = forms.TypedChoiceField(
        required=False,
        label="Trust level",
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *TrustLevel.choices],
        error_messages={"invalid_choice": "Choose a trust level from the list."},
    )
    tag = forms.CharField(
        max_length=EXPERTISE_NAME_MAX_LENGTH + 10, required=False, label="Expertise"
    )
    company = forms.CharField(max_length=120, required=False, label="Company")
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        error_messages={"invalid_choice": "Choose a sort order from the list."},
    )

    def __init__(self, *args, viewer, group_choices=None, **kwargs):
        """`group_choices`: directory_group_choices(viewer) when the caller has them."""
        super().__init__(*args, **kwargs)
        if group_choices is None:
            group_choices = directory_group_choices(viewer)
        self.fields["group"].choices = [("", "Any group"), *group_choices]
        self.fields["sort"].choices = [(s.key, s.label) for s in DIRECTORY_SORTS.values()]
        self.fields["sort"].help_text = " ".join(
            s.help_text for s in DIRECTORY_SORTS.values() if s.help_text
        )

    def clean_tag(self) -> str:
        # Links from profiles carry the slug; a person typing "Customer Success" means it too.
        return slugify(self.cleaned_data["tag"])

    def directory_query(self) -> DirectoryQuery:
        """The query for the fields that are valid; an invalid one is ignored (and shown
        with its error) rather than emptying the page."""
        data = getattr(self, "cleaned_data", {})
        return DirectoryQuery(
            q=data.get("q") or "",
            group=data.get("group") or "",
            trust_level=data.get("trust"),
            tag=data.get("tag") or "",
            company=data.get("company") or "",
            sort=data.get("sort") or DIRECTORY_DEFAULT_SORT,
        )

    @property
    def is_filtered(self) -> bool:
        query = self.directory_query()
        return bool(query.q or query.group or query.tag or query.company) or (
            query.trust_level is not None
        )
