"""Searches and clicks are logged in the cache and written by the periodic views flush
(forums.services.search): tests that read the search log write it first, as the flush a
couple of minutes later would."""

from datetime import timedelta

from django.utils import timezone

from forums.services.reading import views_and_reads_flush


def search_log_flush():
    return views_and_reads_flush(now=timezone.now() + timedelta(minutes=5))
