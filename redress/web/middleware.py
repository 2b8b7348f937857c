"""The web pages speak zh-Hans until the user picks English with the language switch.

Django's LocaleMiddleware also follows the browser's Accept-Language, so a counter PC set up in English
would show English pages. For the web UI only the switch's cookie counts; the API keeps following
Accept-Language, which its clients set on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

# Paths whose language is negotiated by the client itself.
_NEGOTIATED_PREFIXES = ("/api/",)


class WebLanguageMiddleware:
    """Placed right after LocaleMiddleware: without a language cookie, web pages use LANGUAGE_CODE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not request.path_info.startswith(_NEGOTIATED_PREFIXES) and not (
            chosen and translation.check_for_language(chosen)
        ):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class NulInPathIsNotFound:
    """A page's path with a NUL in it (`/cases/TS%00`) names nothing: 404, before a view looks it up (a NUL
    reaches PostgreSQL as an error, not as a miss). The API refuses it in its own shape (api/guard.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404
        return self.get_response(request)
