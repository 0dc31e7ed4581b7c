from django.http import Http404


def profile_detail(request, username):  # placeholders until profiles land
    raise Http404


def profile_edit(request):
    raise Http404


def follower_list(request, username):
    raise Http404


def following_list(request, username):
    raise Http404


def follow_toggle(request, username):
    raise Http404
