"""The forum filters of a search: category, author, tag, dates, solved. The site search
(search.forms) builds its form on this one."""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property

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
        self.viewer = viewer
        # Read only when used: checking an empty filter needs no choices, and a results page
        # served from the cache renders no form.
        self.fields["category"].choices = self._category_choices
        self.fields["tag"].choices = self._tag_choices

    @cached_property
    def categories(self) -> dict[str, Category]:
        # Only categories the viewer can see are offered; any other slug is "not a valid
        # choice", the same answer for a private category as for a missing one.
        categories = visible_categories(self.viewer).order_by("position", "name", "pk")
        return {category.slug: category for category in categories}

    @cached_property
    def _category_choice_list(self) -> list[tuple[str, str]]:
        categories = list(self.categories.values())
        children: dict[int, list[Category]] = {}
        for category in categories:
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category)
        choices = [("", "All categories")]
        for category in categories:
            if category.parent_id is None:
                choices.append((category.slug, category.name))
                choices.extend((c.slug, f"— {c.name}") for c in children.get(category.pk, []))
        return choices

    def _category_choices(self) -> list[tuple[str, str]]:
        return self._category_choice_list

    @cached_property
    def _tag_choice_list(self) -> list[tuple[str, str]]:
        # Tags as the forum lists them: one made only for a private category would name
        # what is inside it.
        tags = tags_visible_to(self.viewer).order_by("name").values_list("slug", "name")
        return [("", "Any tag"), *tags]

    def _tag_choices(self) -> list[tuple[str, str]]:
        return self._tag_choice_list

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
            category=self.categories.get(data["category"]) if data.get("category") else None,
            author=data.get("author", ""),
            tag=data.get("tag", ""),
            after=data.get("after"),
            before=data.get("before"),
            solved={"yes": True, "no": False}.get(data.get("solved", "")),
        )
