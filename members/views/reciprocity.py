from django.http import Http404


def shout_out_create(request, username):  # placeholders until reciprocity lands
    raise Http404


def supporter_list(request):
    raise Http404
