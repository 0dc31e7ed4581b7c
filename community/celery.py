import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings.local")

app = Celery("community")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
