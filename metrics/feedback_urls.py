"""Where "Did this answer your question?" posts (metrics.feedback_views)."""

from django.urls import path

from metrics import feedback_views

app_name = "answers"

urlpatterns = [
    path("topic/<int:pk>/", feedback_views.topic_answer, name="topic"),
    path("resource/<str:slug>/", feedback_views.resource_answer, name="resource"),
]
