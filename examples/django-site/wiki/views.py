from django.http import HttpResponse


def home(request):
    if request.user.is_authenticated:
        return HttpResponse(f"Signed in to the wiki as {request.user.email}", content_type="text/plain")
    return HttpResponse('<a href="/oidc/authenticate/">Sign in</a>', content_type="text/html")
