from django.http import Http404


def account_pending(request):  # placeholder until account approval lands
    raise Http404
