from django.urls import path

from forums.views import categories, topics

app_name = "forums"

urlpatterns = [
    path("", categories.category_list, name="category-list"),
    path("latest/", categories.latest, name="latest"),
    path("c/<slug:slug>/", categories.category_detail, name="category-detail"),
    path("c/<slug:slug>/new/", topics.topic_create_view, name="topic-create"),
    path("t/<int:pk>/reply/", topics.reply_create, name="topic-reply"),
    path("t/<int:pk>/<str:slug>/", topics.topic_detail, name="topic-detail"),
]
