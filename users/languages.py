"""Which language a page or a mail speaks: one of LANGUAGES, chosen as the
contract orders, the OIDC `ui_locales` parameter (of the request, or of the
authorization a hosted page resumes), a `lang` query parameter, the signed-in
person's own `language`, then `Accept-Language`; English when none is offered.
A mail speaks its recipient's language when the address has an account that
chose one, else the request's (users.adapter)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation
from django.utils.cache import patch_vary_headers

from users.errors import InvalidInput


def parse_languages(value: str) -> list[tuple[str, str]]:
    """LANGUAGES from the environment: comma-separated codes Django knows, English among them."""
    codes = [code.strip().lower() for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in LANG_INFO]
    if unknown or "en" not in codes:
        raise ImproperlyConfigured(
            f"LANGUAGES: {', '.join(unknown) or value!r} — give comma-separated language codes, "
            "en among them (the fallback), such as en,fr."
        )
    return [(code, LANG_INFO[code]["name_local"]) for code in dict.fromkeys(codes)]


def offered(code: object) -> str:
    """`code` as one of LANGUAGES (`fr-CA` is `fr`), or ""."""
    if not isinstance(code, str) or not code or len(code) > 35:
        return ""
    codes = {language for language, _ in settings.LANGUAGES}
    code = code.strip().lower().replace("_", "-")
    return code if code in codes else (code.split("-")[0] if code.split("-")[0] in codes else "")


def first_offered(spaced: object) -> str:
    """The first of space-separated language tags (`ui_locales`) that is offered."""
    if not isinstance(spaced, str):
        return ""
    return next((code for code in map(offered, spaced.split()[:10]) if code), "")


def ui_locales(request: HttpRequest) -> str:
    asked = first_offered(request.GET.get("ui_locales"))
    if asked:
        return asked
    # A hosted page resuming an authorization: the application asked it there.
    resumed = request.POST.get("next") or request.GET.get("next") or ""
    if isinstance(resumed, str) and resumed.startswith("/"):
        return first_offered(QueryDict(urlsplit(resumed).query).get("ui_locales"))
    return ""


def choose(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    own = offered(getattr(user, "language", "")) if getattr(user, "is_authenticated", False) else ""
    return (
        ui_locales(request)
        or offered(request.GET.get("lang"))
        or own
        or offered(translation.get_language_from_request(request, check_path=False))
        or settings.LANGUAGE_CODE
    )


def follow_the_caller(request: HttpRequest) -> None:
    """Choose again once the API has found who calls (by token, after the
    middleware chose): their own language takes its place in the order."""
    user = request.user
    if user.is_authenticated and user.language:
        request.LANGUAGE_CODE = choose(request)
        translation.activate(request.LANGUAGE_CODE)


class LanguageMiddleware:
    """Django's LocaleMiddleware, with the contract's order of choices."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        patch_vary_headers(response, ("Accept-Language",))
        return response


def clean_language(language: str) -> str:
    code = offered(language)
    if not code or code != language.strip().lower():
        names = ", ".join(code for code, _ in settings.LANGUAGES)
        raise InvalidInput(
            translation.gettext("Choose one of the languages offered: %(names)s.") % {"names": names}, field="language"
        )
    return code
