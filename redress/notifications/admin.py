"""Operators' view of notifications: endpoints to edit, and the delivery logs to read and retry."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from redress.access.admin import CaseRecordAdmin

from .choices import DeliveryStatus
from .models import (
    Delivery,
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "secret", "events", "active")

    def clean_events(self):
        events = self.cleaned_data["events"]
        if not isinstance(events, list) or not all(isinstance(e, str) and e.strip() for e in events):
            raise forms.ValidationError(
                _('A list of event names, e.g. ["case.escalated"], or ["*"] for all.')
            )
        return [e.strip() for e in events]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "events", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")


@admin.action(description=_("Retry now"))
def _retry_now(modeladmin, request, queryset):
    # Back to pending and due now: the next retry sweep (within a minute) sends them.
    count = queryset.exclude(status=DeliveryStatus.SENT).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    modeladmin.message_user(
        request,
        ngettext("%(count)d delivery will be retried.", "%(count)d deliveries will be retried.", count)
        % {"count": count},
        messages.SUCCESS,
    )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "response_code", "error", "duration_ms")

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyLog(admin.ModelAdmin):
    actions = [_retry_now]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was sent, and when, is kept


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyLog):
    list_display = ("uuid", "endpoint", "event", "status", "attempts", "response_code", "next_attempt_at")
    list_filter = ("status", "endpoint", "event")
    search_fields = ("uuid", "dedupe_key")
    inlines = [WebhookAttemptInline]


@admin.register(Delivery)
class DeliveryAdmin(CaseRecordAdmin):
    actions = [_retry_now]
    case_field = "notification__case"
    case_optional = True
    list_display = ("notification", "channel", "address", "status", "attempts", "sent_at", "next_attempt_at")
    list_filter = ("status", "channel")
    search_fields = ("dedupe_key", "address")
    list_select_related = ("notification",)


@admin.register(Notification)
class NotificationAdmin(CaseRecordAdmin):
    list_display = ("recipient", "event", "subject", "created_at", "read_at")
    list_filter = ("event",)
    search_fields = ("dedupe_key", "recipient__username", "subject")
    raw_id_fields = ("recipient", "case")
    list_select_related = ("recipient",)
    case_optional = True


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "channel", "enabled")
    list_filter = ("channel", "enabled")
    raw_id_fields = ("staff",)
