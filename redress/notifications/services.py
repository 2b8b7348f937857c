"""Who hears about a case, and telling them: what escalation and the sweeper call (docs/notifications.md)."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Iterable, Sequence
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from redress.access.confidential import is_confidential, may_see_content
from redress.access.visibility import visible_to
from redress.cases.models import Case
from redress.common.reference import VersionedCache
from redress.organisation.choices import UnitKind
from redress.organisation.models import Staff, Unit

from . import tasks
from .choices import OUTBOUND_CHANNELS, Channel, DeliveryStatus
from .models import (
    CustomerMessage,
    Delivery,
    Notification,
    NotificationAttachment,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)

# The retries are the hand-off's (tasks.py); named here too for the sweeper and the tests.
from .tasks import retry_due, retry_due_deliveries, retry_due_webhooks  # noqa: F401

# One retry sweep hands over at most this many rows of each kind; the rest wait a minute.


def _in_unit(unit: Unit) -> Q:
    # A unit's departments sit at its level (the supervision office is a department of head office).
    return Q(unit=unit) | Q(unit__parent=unit, unit__kind=UnitKind.DEPARTMENT)


# Who holds which role where, who prefers which channel off, and the webhook endpoints: read by every notice,
# changed rarely; kept per process while their reference tokens are unchanged (redress.common.reference).
_recipients: VersionedCache[tuple, list[Staff]] = VersionedCache("organisation", limit=2_000)
_disabled: VersionedCache[None, frozenset[tuple[int, str]]] = VersionedCache("preferences")
_endpoints: VersionedCache[None, list[WebhookEndpoint]] = VersionedCache("webhooks")


def disabled_channels() -> frozenset[tuple[int, str]]:
    """(staff id, channel) of every channel a person turned off."""
    return _disabled.get(
        None,
        lambda _: frozenset(
            NotificationPreference.objects.filter(enabled=False).values_list("staff_id", "channel")
        ),
    )


def active_endpoints() -> list[WebhookEndpoint]:
    return _endpoints.get(None, lambda _: list(WebhookEndpoint.objects.filter(active=True)))


def recipients_for(
    case: Case,
    *,
    roles: Iterable[str] = (),
    level: str | None = None,
    unit: Unit | None = None,
    work_group_level: str | None = None,
    include: Iterable[Staff] = (),
) -> list[Staff]:
    """Staff who should hear about `case`, active only, never the staff member it is about, each once.

    - holders of `roles` in `unit`, or else in the unit at `level` above the case's holding unit, or else in
      the holding unit itself (a unit's departments count as the unit);
    - members of the work groups of the unit at `work_group_level` above the case's holding unit;
    - everyone in `include`.
    """
    roles = tuple(roles)
    holder = case.holder_unit
    above: dict[str, Unit | None] = {}

    def at(lvl: str) -> Unit | None:
        if lvl not in above:
            above[lvl] = holder.at_level(lvl)
        return above[lvl]

    who = Q()
    if roles:
        target = unit or (at(level) if level else holder)
        if target is not None:
            who |= Q(role_grants__role__in=roles) & _in_unit(target)
    if work_group_level:
        target = at(work_group_level)
        if target is not None:
            who |= Q(work_group_memberships__group__unit=target)
    found: dict[int, Staff] = {}
    if who:
        # Both kinds of recipient in one query, kept per process while the organisation is unchanged.
        key = (roles, unit.pk if unit else None, level, holder.pk, work_group_level)
        shared = _recipients.get(key, lambda _: list(Staff.objects.filter(who, is_active=True).distinct()))
        found.update((s.id, copy.copy(s)) for s in shared)
    for person in include:
        if person.is_active:
            found.setdefault(person.id, person)
    found.pop(case.subject_staff_id, None)
    return [found[key] for key in sorted(found)]


@dataclasses.dataclass(frozen=True)
class Message:
    """What one `notify` call says: `event` about `case` to `recipients`, once per `dedupe_key`."""

    event: str
    case: Case | None
    recipients: tuple[Staff, ...]
    subject: str
    body: str
    dedupe_key: str
    data: dict | None = None
    attachments: Sequence[tuple[str, bytes, str]] = ()


def notify(
    event: str,
    *,
    case: Case | None = None,
    recipients: Iterable[Staff],
    subject: str,
    body: str,
    dedupe_key: str,
    data: dict | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> int:
    """Tells `recipients` of `event` once per `dedupe_key`; returns how many of them had not been told.

    Call inside the caller's transaction. Writes one Notification per recipient, one Delivery per outbound
    channel their preferences allow and their contact details reach, one WebhookDelivery per active
    endpoint subscribed to `event`; `attachments` ((file name, content, content type)) go with the
    e-mails. Rows already written for the same key (an earlier call, or another process now) are left alone.
    Sending starts only after the transaction commits.
    """
    message = Message(event, case, tuple(recipients), subject, body, dedupe_key, data, tuple(attachments))
    return notify_many([message])


def notify_many(messages: Sequence[Message]) -> int:
    """`notify` for many messages at once (the sweeper's batches): the same rows, written in one statement of
    each kind for them all; returns how many people had not been told. Each message has its own dedupe key;
    attachments go one message a call (they belong to the call's batch)."""
    keys = [m.dedupe_key for m in messages]
    if not all(keys):
        raise ValueError("notify needs a dedupe_key: the same event must never be delivered twice")
    if len(set(keys)) != len(keys):
        raise ValueError("each message of one notify_many call needs its own dedupe_key")
    if len(messages) > 1 and any(m.attachments for m in messages):
        raise ValueError("attachments go with one message a call")
    if not messages:
        return 0
    batch = uuid.uuid4()
    now = timezone.now()
    queued_until = tasks.queued_until(now)
    said = [(m, *_said(m)) for m in messages]
    by_key = {m.dedupe_key: people for m, people, *_ in said}

    new: list[tuple[int, int, str]] = []
    delivery_ids: list[int] = []
    everyone = {staff_id for _m, people, *_ in said for staff_id in people}
    if everyone:  # nobody to tell (e.g. a level with no work group yet): no rows, no reads of them
        off = {(staff_id, channel) for staff_id, channel in disabled_channels() if staff_id in everyone}
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=staff_id,
                    case=m.case,
                    event=m.event,
                    subject=m.subject[:255],
                    body=told[staff_id],
                    data=data,
                    dedupe_key=m.dedupe_key,
                    batch=batch,
                    in_app=(staff_id, Channel.IN_APP) not in off,
                )
                for m, people, told, data, _secret in said
                for staff_id in people
            ],
            ignore_conflicts=True,
        )
        new = list(
            Notification.objects.filter(dedupe_key__in=keys, batch=batch).values_list(
                "id", "recipient_id", "dedupe_key"
            )
        )
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    notification_id=notification_id,
                    channel=channel,
                    address=address,
                    dedupe_key=key,
                    next_attempt_at=now,
                    queued_until=queued_until,
                )
                for notification_id, staff_id, key in new
                for channel in OUTBOUND_CHANNELS
                if (staff_id, channel) not in off and (address := _address(by_key[key][staff_id], channel))
            ],
            ignore_conflicts=True,
        )
        attachments = messages[0].attachments
        if deliveries and attachments:
            NotificationAttachment.objects.bulk_create(
                [
                    NotificationAttachment(batch=batch, name=n, content=c, content_type=t)
                    for n, c, t in attachments
                ]
            )
        if deliveries:  # none to write (nobody with an address): none to read back
            delivery_ids = list(
                Delivery.objects.filter(
                    notification_id__in=[n for n, *_ in new], status=DeliveryStatus.PENDING
                ).values_list("id", flat=True)
            )

    endpoints = active_endpoints()
    webhooks = []
    for m, people, _told, data, secret in said:
        for endpoint in endpoints:
            if not endpoint.subscribes_to(m.event):
                continue
            delivery_uuid = uuid.uuid4()
            body_json = {
                "id": str(delivery_uuid),
                "event": m.event,
                "dedupe_key": m.dedupe_key,
                "occurred_at": now.isoformat(),
                "case": None if m.case is None else {"number": m.case.number},
                "subject": m.subject,
                "body": "" if secret else m.body,
                "data": data,
                "recipients": sorted(p.username for p in people.values()),
            }
            webhooks.append(
                WebhookDelivery(
                    uuid=delivery_uuid,
                    endpoint=endpoint,
                    event=m.event,
                    dedupe_key=m.dedupe_key,
                    batch=batch,
                    body=body_json,
                    next_attempt_at=now,
                    queued_until=queued_until,
                )
            )
    webhook_ids: list[int] = []
    if webhooks:
        WebhookDelivery.objects.bulk_create(webhooks, ignore_conflicts=True)
        webhook_ids = list(
            WebhookDelivery.objects.filter(dedupe_key__in=keys, batch=batch).values_list("id", flat=True)
        )

    if delivery_ids or webhook_ids:
        # robust: a failure to send (or to reach the broker) never undoes or breaks the caller's work.
        transaction.on_commit(partial(tasks.send, delivery_ids, webhook_ids), robust=True)
    return len(new)


def _said(message: Message) -> tuple[dict[int, Staff], dict[int, str], dict, bool]:
    """Who hears `message` (each once), what each is told, its data as stored, and whether its case is
    confidential."""
    case = message.case
    # Decimals and datetimes become strings here, in the caller's transaction, not in a worker later.
    data = json.loads(json.dumps(message.data or {}, cls=DjangoJSONEncoder))
    if case is not None:
        data.setdefault("case_number", case.number)
    if message.attachments:  # named in the data: the sender reads the files only for such a notification
        data["attachments"] = [attached[0] for attached in message.attachments]
    people: dict[int, Staff] = {}
    for person in message.recipients:
        # Never the staff member complained about, whoever the caller passed (R6: the case does not exist
        # for them); nor anyone who has left.
        if person.is_active and (case is None or person.id != case.subject_staff_id):
            people.setdefault(person.id, person)
    # A confidential case's text goes only to those who may read its content (R10.1); the others are told
    # that something happened, not what was written (access/confidential.py).
    secret = case is not None and is_confidential(case)
    told = {
        staff_id: message.body if not secret or may_see_content(p, case) else ""
        for staff_id, p in people.items()
    }
    return people, told, data, secret


def message_customer(case: Case, *, purpose: str, phone: str, text: str, dedupe_key: str) -> bool:
    """A text message to the case's customer, once per `dedupe_key`, sent after the caller's transaction
    commits and retried by the retry sweep while the gateway fails. False if it was already written."""
    now = timezone.now()
    message, created = CustomerMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "case": case,
            "purpose": purpose,
            "address": phone,
            "text": text,
            "next_attempt_at": now,
            "queued_until": tasks.queued_until(now),
        },
    )
    if created:
        transaction.on_commit(partial(tasks.send, customer_message_ids=[message.pk]), robust=True)
    return created


def _address(person: Staff, channel: str) -> str:
    return (person.email if channel == Channel.EMAIL else person.phone).strip()


def own_notifications(user: Staff, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own in-application notifications, newest first (the bell's page and the API)."""
    rows = Notification.objects.filter(recipient=user, in_app=True)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.only("id", "case_id", "event", "subject", "body", "created_at", "read_at").order_by(
        "-created_at", "-id"
    )


def case_numbers_seen(user: Staff, notifications: Iterable[Notification]) -> dict[int, str]:
    """Case id → number for the cases of these notifications the user may still see (R6): a notification
    names its case only while its reader may open it."""
    case_ids = {n.case_id for n in notifications if n.case_id}
    if not case_ids:
        return {}
    return dict(visible_to(user).filter(id__in=case_ids).values_list("id", "number"))


def unread_count(user: Staff) -> int:
    return Notification.objects.filter(recipient=user, in_app=True, read_at__isnull=True).count()


def mark_read(user: Staff, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the user's own notifications read (all when no ids are given); returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(id__in=list(notification_ids))
    return rows.update(read_at=timezone.now())
