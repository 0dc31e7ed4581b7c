"""The home page's featured area (community.home): the library's featured collections with
their newest resources, each only where the viewer may see it."""

from django.urls import reverse

from community.home import FeaturedItem, featured_source
from library.selectors import featured_collections


@featured_source
def featured_library(viewer, limit: int) -> list[FeaturedItem]:
    items: list[FeaturedItem] = []
    for collection, resources in featured_collections(viewer=viewer):
        where, where_url = collection.title, collection.get_absolute_url()
        if not resources:
            items.append(
                FeaturedItem(
                    "Collection", collection.title, where_url, "Library", reverse("library:home")
                )
            )
        items += [
            FeaturedItem("Library", resource.title, resource.get_absolute_url(), where, where_url)
            for resource in resources
        ]
    return items[:limit]
