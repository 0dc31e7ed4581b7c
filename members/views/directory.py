from django.http import Http404


def member_list(request):  # placeholder until the directory lands
    raise Http404
