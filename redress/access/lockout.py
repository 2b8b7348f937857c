"""Lockout of web logins and token requests (django-axes, configured in settings: LOGIN_*).

Axes counts the failures of each account; this handler adds a limit per address, higher than the
account's (many staff of a branch may come through one proxy). Whichever is reached refuses the next login
or token request of that account, or from that address, until the lockout time has passed since the last
counted failure, or an administrator unlocks it. Locks are logged without usernames or addresses: the
staff member's id, when the name is one of the bank's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from redress.organisation.models import Staff

log = logging.getLogger("redress.access.lockout")


def lockout_message() -> str:
    locked = _("Too many failed logins: logging in is locked for %(minutes)d minutes.")
    return " ".join(
        [
            locked % {"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            _("Try again later or ask an administrator to unlock it."),
        ]
    )


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or with REDRESS_PROXY_COUNT proxies in front the entry the
    outermost of them appended to X-Forwarded-For (entries further left are the client's to invent)."""
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")


class AccountAndAddressHandler(AxesDatabaseHandler):
    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_failures(request) >= (
            settings.LOGIN_ADDRESS_FAILURE_LIMIT
        )

    @staticmethod
    def address_failures(request: HttpRequest) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        counted = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
            n=Sum("failures_since_start")
        )
        return counted["n"] or 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What a refused login or token request gets: 429 in the API's error shape, or the login page with
    the reason."""
    message = lockout_message()
    retry_after = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message, "errors": {}}, status=429)
    else:
        response = render(
            request,
            "web/login.html",
            {"form": AuthenticationForm(request), "lockout": message},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response


@receiver(user_locked_out, dispatch_uid="redress-lockout-log")
def _log_lock(sender, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs) -> None:
    # The id, not the name or the address: logs are read by more people than the admin's list.
    staff_id = (
        Staff.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    )
    if staff_id is None:
        log.warning("login lockout: too many failures for an unknown account or from one address")
    else:
        log.warning("login lockout: staff member %s locked after too many failures", staff_id)


def unlock(staff: Iterable[Staff], by: Staff) -> int:
    """Clear the counted failures of these accounts, which ends their lockout; returns how many accounts
    had any. An address's lock is cleared in the admin's access attempts or by `redress axes_reset_ip`."""
    unlocked = 0
    for person in staff:
        if axes_reset(username=person.username):
            unlocked += 1
            log.warning("login lockout: staff member %s unlocked by staff member %s", person.pk, by.pk)
    return unlocked
