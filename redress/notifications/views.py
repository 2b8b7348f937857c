"""The bell's page: a staff member's own notifications, and marking them read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from redress.access.visibility import visible_to

from .models import Notification
from .services import mark_read, unread_count

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = Notification.objects.filter(recipient=request.user, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(
        rows.only("id", "case_id", "event", "subject", "body", "created_at", "read_at"), PAGE_SIZE
    )
    page = page.get_page(request.GET.get("page"))
    # A notification links to its case only while the reader may still see the case (R6).
    case_ids = {n.case_id for n in page if n.case_id}
    numbers = (
        dict(visible_to(request.user).filter(id__in=case_ids).values_list("id", "number")) if case_ids else {}
    )
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
