"""The forum filters of a search: category, author, tag, dates, solved. The site search
(search.forms) builds its form on this one."""

from __future__ import annotations

from django import forms

from forums.models import Category
from forums.permissions import tags_visible_to, visible_categories
from forums.selectors.search import QUERY_MAX_LENGTH, SearchCriteria, search_text_normalize

SOLVED_CHOICES = [("", "Any"), ("yes", "Solved"), ("no", "Not solved")]
# The fields that only mean something for topics and posts.
FORUM_FILTERS = ("category", "author", "tag", "after", "before", "solved")


class ForumSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=QUERY_MAX_LENGTH,
        error_messages={
            "max_length": (
                f"Searches can be at most {QUERY_MAX_LENGTH} characters long "
                "(this one has %(show_value)d). Try a few distinctive words instead."
            )
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search the forums"}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    author = forms.CharField(
        label="Written by", required=False, max_length=150, help_text="A member's username."
    )
    tag = forms.ChoiceField(label="Tag", required=False)
    after = forms.DateField(
        label="Written on or after", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    before = forms.DateField(
        label="Written on or before",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    solved = forms.ChoiceField(label="Solved", required=False, choices=SOLVED_CHOICES)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only categories the viewer can see are offered; any other slug is "not a valid
        # choice", the same answer for a private category as for a missing one.
        categories = list(visible_categories(viewer).order_by("position", "name", "pk"))
        self.categories = {category.slug: category for category in categories}
        children: dict[int, list[Category]] = {}
        for category in categories:
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category)
        choices = [("", "All categories")]
        for category in categories:
            if category.parent_id is None:
                choices.append((category.slug, category.name))
                choices.extend((c.slug, f"— {c.name}") for c in children.get(category.pk, []))
        self.fields["category"].choices = choices
        # Tags as the forum lists them: one made only for a private category would name
        # what is inside it.
        tags = tags_visible_to(viewer).order_by("name").values_list("slug", "name")
        self.fields["tag"].choices = [("", "Any tag"), *tags]

    def clean_q(self) -> str:
        return search_text_normalize(self.cleaned_data["q"])

    def clean_author(self) -> str:
        return self.cleaned_data["author"].strip().lstrip("@")

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("after"), cleaned.get("before")
        if after and before and after > before:
            self.add_error("before", "This date is before the “on or after” date.")
        return cleaned

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        return SearchCriteria(
            text=data["q"],
            category=self.categories.get(data.get("category", "")),
            author=data.get("author", ""),
            tag=data.get("tag", ""),
            after=data.get("after"),
            before=data.get("before"),
            solved={"yes": True, "no": False}.get(data.get("solved", "")),
        )
