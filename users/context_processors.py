from django.conf import settings


def site(request) -> dict:
    """The product name and public base URL, for pages and emails."""
    return {"site_name": settings.SITE_NAME, "public_url": settings.PUBLIC_URL}
