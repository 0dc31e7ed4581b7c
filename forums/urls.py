from django.urls import path

from forums.views import (
    categories,
    composer,
    lists,
    mentions,
    moderation,
    posts,
    topics,
    watching,
)

app_name = "forums"

urlpatterns = [
    path("", categories.category_list, name="category-list"),
    path("latest/", categories.latest, name="latest"),
    path("unanswered/", lists.unanswered, name="unanswered"),
    path("bookmarks/", lists.bookmark_list, name="bookmarks"),
    path("tags/", lists.tag_list, name="tag-list"),
    path("tags/<slug:slug>/", lists.tag_detail, name="tag-detail"),
    path("moderation/", moderation.queue, name="moderation-queue"),
    path("watch/", watching.watch_set, name="watch"),
    path("mentions/", mentions.mention_suggestions, name="mention-suggestions"),
    path("preview/", composer.preview, name="preview"),
    path("drafts/", composer.draft_save, name="draft-save"),
    path("uploads/", composer.image_upload, name="image-upload"),
    path("c/<slug:slug>/", categories.category_detail, name="category-detail"),
    path("c/<slug:slug>/new/", composer.topic_create_view, name="topic-create"),
    path("t/<int:pk>/reply/", topics.reply_create, name="topic-reply"),
    path("t/<int:pk>/moderate/", moderation.topic_moderate, name="topic-moderate"),
    path("t/<int:pk>/<str:slug>/", topics.topic_detail, name="topic-detail"),
    path("p/<int:pk>/", posts.post_open, name="post-open"),
    path("p/<int:pk>/react/", posts.post_react, name="post-react"),
    path("p/<int:pk>/accept/", posts.post_accept, name="post-accept"),
    path("p/<int:pk>/edit/", posts.post_edit, name="post-edit"),
    path("p/<int:pk>/delete/", posts.post_delete, name="post-delete"),
    path("p/<int:pk>/revisions/", posts.post_revisions, name="post-revisions"),
    path("p/<int:pk>/flag/", moderation.post_flag, name="post-flag"),
    path("p/<int:pk>/moderate/", moderation.post_moderate, name="post-moderate"),
    path("p/<int:pk>/bookmark/", lists.post_bookmark, name="post-bookmark"),
]
