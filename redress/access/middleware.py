"""Edges of every session and answer: the idle timeout, and nothing Redress answers kept in a cache."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# The session's end is moved on at most this often: writing the session on every request would cost a
# database write per page, and the timeout is 30 minutes, not to the second.
REFRESH_SECONDS = 60
_SEEN = "_redress_seen"


class IdleSessionTimeout:
    """The session lives SESSION_COOKIE_AGE (REDRESS_SESSION_IDLE_MINUTES) from its last save; a request
    more than REFRESH_SECONDS after the last save saves it again, so only an idle session runs out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(_SEEN, 0) >= REFRESH_SECONDS:
                session[_SEEN] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="redress-idle-clock")
def _start_idle_clock(sender, request: HttpRequest, user, **kwargs) -> None:
    # The login saves the session anyway: the first pages after it need not save it again.
    if request is not None and hasattr(request, "session"):
        request.session[_SEEN] = int(time.time())


class NoStore:
    """Case pages, API answers, exports and attachments carry personal data: no browser or proxy may keep
    them (`Cache-Control: no-store`). Static files are served before this (whitenoise) and keep theirs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
