from django.urls import path

from members.views import groups

app_name = "groups"

urlpatterns = [
    path("", groups.group_list, name="list"),
    path("invitations/<str:token>/", groups.invitation_accept, name="invitation-accept"),
    path("<slug:slug>/", groups.group_detail, name="detail"),
    path("<slug:slug>/join/", groups.group_join, name="join"),
    path("<slug:slug>/leave/", groups.group_leave, name="leave"),
    path("<slug:slug>/request/", groups.group_request, name="request"),
    path(
        "<slug:slug>/requests/<int:request_id>/decide/",
        groups.group_request_decide,
        name="request-decide",
    ),
    path("<slug:slug>/invite/", groups.group_invite, name="invite"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/withdraw/",
        groups.invitation_withdraw,
        name="invitation-withdraw",
    ),
    path(
        "<slug:slug>/members/<int:user_id>/remove/",
        groups.group_member_remove,
        name="member-remove",
    ),
]
