from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search at /search/ over topics and posts, library resources and members. It sits
    above the apps it searches (forums, library, members) and below metrics, so it imports
    each one's search selector and none of them knows it exists."""

    name = "search"
    verbose_name = "Search"
