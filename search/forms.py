"""The site search's form: the words, what to search (all, topics and posts, library,
members), and the forum filters, which only apply to topics and posts."""

from __future__ import annotations

from django import forms

from forums.search_forms import FORUM_FILTERS, ForumSearchForm
from forums.selectors.search import SearchCriteria
from search.kinds import ALL, kinds_for

MEMBERS_ONLY_KIND = "Searching for members is for signed-in community members."


class SiteSearchForm(ForumSearchForm):
    kind = forms.ChoiceField(
        label="Search in", required=False, widget=forms.RadioSelect, initial=ALL
    )

    def __init__(self, data=None, *, viewer, **kwargs):
        kind = data.get("kind", "") if data is not None else ""
        if data is not None and kind != "forums":
            # Forum filters mean nothing for other kinds: a stale one carried over from the
            # forums tab must neither filter nor fail the search.
            data = data.copy()
            for name in FORUM_FILTERS:
                data.pop(name, None)
        super().__init__(data, viewer=viewer, **kwargs)
        self.kinds = kinds_for(viewer)
        self.fields["kind"].choices = [(ALL, "All"), *((k.key, k.label) for k in self.kinds)]
        self.fields["q"].widget.attrs["placeholder"] = "Search the community"

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or ALL

    def full_clean(self):
        super().full_clean()
        # Members, for someone who may not browse the directory: say why, rather than
        # "not a valid choice".
        if self.is_bound and "kind" in self.errors and self.data.get("kind") == "members":
            self.errors["kind"] = self.error_class([MEMBERS_ONLY_KIND])

    @property
    def selected_kind(self) -> str:
        if self.is_bound and hasattr(self, "cleaned_data") and "kind" in self.cleaned_data:
            return self.cleaned_data["kind"]
        value = self.data.get("kind", ALL) if self.is_bound else ALL
        return value if value in dict(self.fields["kind"].choices) else ALL

    def criteria(self) -> SearchCriteria:
        if self.cleaned_data.get("kind") == "forums":
            return super().criteria()
        return SearchCriteria(text=self.cleaned_data["q"])
