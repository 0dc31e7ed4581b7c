from django.urls import path

from polls import views

app_name = "polls"

urlpatterns = [
    path("", views.poll_list, name="poll-list"),
    path("<int:pk>/", views.poll_detail, name="poll-detail"),
    path("<int:pk>/vote/", views.poll_vote, name="poll-vote"),
    path("<int:pk>/close/", views.poll_close_view, name="poll-close"),
    path("<int:pk>/reopen/", views.poll_reopen_view, name="poll-reopen"),
    path("new/<int:topic_id>/", views.poll_create_view, name="poll-create"),
]
