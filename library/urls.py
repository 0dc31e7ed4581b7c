from django.urls import path

from library import community_views, views

app_name = "library"

urlpatterns = [
    path("", views.library_home, name="home"),
    path("c/<slug:slug>/", views.collection_detail, name="collection-detail"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("r/<slug:slug>/", views.resource_detail, name="resource-detail"),
    path("r/<slug:slug>/comment/", community_views.comment, name="resource-comment"),
    path("r/<slug:slug>/react/", community_views.react, name="resource-react"),
    path("r/<slug:slug>/share/", community_views.share, name="resource-share"),
    path("suggest/", community_views.suggest, name="suggest"),
    path("promote/<int:topic_pk>/", community_views.promote, name="promote"),
    path("r/<slug:slug>/cover/", views.resource_cover, name="resource-cover"),
    path("r/<slug:slug>/download/", views.resource_download, name="resource-download"),
    path(
        "r/<slug:slug>/download/<int:number>/",
        views.resource_download,
        name="resource-version-download",
    ),
]
