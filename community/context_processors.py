from community.selectors import branding_get


def branding(request):
    return {"branding": getattr(request, "branding", None) or branding_get()}
