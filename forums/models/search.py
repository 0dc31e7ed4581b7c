from django.conf import settings
from django.db import models

from community.db import BaseModel


class SearchQuery(BaseModel):
    """One search someone ran, with how many results it found and whether they opened one:
    metrics reads zero-result queries as content gaps and reports click-through."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    query = models.CharField(max_length=200)
    # What was searched: the site search's kinds ("all", "forums", "library", "members").
    # Rows from before the site search are forum searches.
    kind = models.CharField(max_length=16, default="forums")
    filters = models.JSONField(default=dict, blank=True)
    result_count = models.PositiveIntegerField()
    clicked_at = models.DateTimeField(null=True, blank=True)
    # The search's name in its result links and in its log entry before the flush writes
    # it (forums.services.search): unguessable, so holding it is owning the search.
    token = models.CharField(max_length=24, unique=True, null=True, blank=True, editable=False)
    clicked_topic = models.ForeignKey(
        "forums.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "search queries"
        indexes = [models.Index(fields=["-created_at"], name="forums_searchquery_recent_idx")]

    def __str__(self) -> str:
        return self.query
