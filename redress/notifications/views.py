"""The bell's page: a staff member's own notifications, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .services import case_numbers_seen, mark_read, own_notifications, unread_count

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(own_notifications(request.user, unread_only=unread_only), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    numbers = case_numbers_seen(request.user, page)
    items = [(n, numbers.get(n.case_id)) for n in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "items": items, "unread_only": unread_only, "unread": unread_count(request.user)},
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:inbox")
    return redirect(target or reverse("notifications:inbox"))


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    # Someone else's notification is as absent as a missing one.
    notification = get_object_or_404(Notification, id=notification_id, recipient=request.user)
    mark_read(request.user, [notification.id])
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(request.user)
    return _back(request)
