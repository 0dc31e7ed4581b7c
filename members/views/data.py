from django.http import Http404


def data_overview(request):  # placeholders until data ownership lands
    raise Http404


def data_export(request):
    raise Http404


def account_erase(request):
    raise Http404
