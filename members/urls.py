from django.urls import path

from members.views import data, directory, profiles, reciprocity

app_name = "members"

urlpatterns = [
    path("", directory.member_list, name="directory"),
    # "me/…" comes before "<username>/…"; "me" is a reserved username.
    path("me/edit/", profiles.profile_edit, name="profile-edit"),
    path("me/supporters/", reciprocity.supporter_list, name="supporters"),
    path("me/data/", data.data_overview, name="data"),
    path("me/data/export/", data.data_export, name="data-export"),
    path("me/data/erase/", data.account_erase, name="account-erase"),
    path("<str:username>/", profiles.profile_detail, name="profile"),
    path("<str:username>/followers/", profiles.follower_list, name="followers"),
    path("<str:username>/following/", profiles.following_list, name="following"),
    path("<str:username>/follow/", profiles.follow_toggle, name="follow"),
    path("<str:username>/shout-out/", reciprocity.shout_out_create, name="shout-out"),
]
