from django.http import Http404


def group_list(request):  # placeholders until groups land
    raise Http404


def group_detail(request, slug):
    raise Http404


def group_join(request, slug):
    raise Http404


def group_leave(request, slug):
    raise Http404


def group_request(request, slug):
    raise Http404


def group_request_decide(request, slug, request_id):
    raise Http404


def group_invite(request, slug):
    raise Http404


def group_member_remove(request, slug, user_id):
    raise Http404


def invitation_accept(request, token):
    raise Http404
