from django.db import models


class BaseModel(models.Model):
    """Every Hearth model inherits this: creation time (indexed, for "newest" lists and
    metrics windows) and last-update time."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
