from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("<str:ref>/open/topic/<int:topic_id>/", views.open_topic, name="open-topic"),
    path("<str:ref>/open/resource/<slug:slug>/", views.open_resource, name="open-resource"),
    path("<str:ref>/open/member/<str:username>/", views.open_member, name="open-member"),
]
