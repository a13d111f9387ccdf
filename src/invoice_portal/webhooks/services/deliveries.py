"""Deliveries: written with the event (the outbox), sent by the worker after commit, retried, logged.

Retries back off exponentially with jitter for about three days (``RETRY_WINDOW``); a delivery
still failing then is marked failed, and an endpoint that has not accepted a single delivery
during that whole time is disabled and the integration admins are told by email.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import InvalidTransition
from invoice_portal.events.models import Event
from invoice_portal.webhooks import selectors, transport
from invoice_portal.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.signing import signed_headers

log = logging.getLogger(__name__)

RETRY_BASE = dt.timedelta(seconds=30)
RETRY_CAP = dt.timedelta(hours=6)
RETRY_WINDOW = dt.timedelta(days=3)
STALE_SENDING = dt.timedelta(minutes=15)
USER_AGENT = "InvoicePortal-Webhooks/1"


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): 30 s doubling up to 6 h, "equal jitter".

    Half the delay is fixed and half is random, so endpoints coming back from an outage are not hit by
    every retry in the same second, and a retry never comes much sooner than the schedule says.
    """
    full = min(RETRY_CAP, RETRY_BASE * (2 ** min(attempt - 1, 20)))
    return full / 2 + full / 2 * (rng or random).random()


def deliveries_create(events: list[Event]) -> list[WebhookDelivery]:
    """Event subscriber: one delivery per event and enabled endpoint subscribed to its type, in the events' transaction."""
    endpoints = selectors.endpoints_enabled()
    rows = [WebhookDelivery(endpoint=e, event=event) for event in events for e in endpoints if event.type in e.event_types]
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: enqueue_pending(ids))
    return deliveries


def enqueue_pending(delivery_ids: Iterable[int], *, at: dt.datetime | None = None) -> None:
    from invoice_portal.webhooks.tasks import webhook_deliver_task

    for pk in delivery_ids:
        task = webhook_deliver_task
        if at is not None:
            if not task.get_backend().supports_defer:
                continue  # a backend that cannot wait: the sweep (``send-webhooks``) hands it over when due
            task = task.using(run_after=at)
        task.enqueue(delivery_id=pk)


def request_body(delivery: WebhookDelivery) -> bytes:
    """The JSON sent: the Standard Webhooks envelope (type, timestamp, data) plus the event id and payload version."""
    event = delivery.event
    envelope = {
        "event_id": event.uid, "type": event.type, "version": event.version,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"), "data": event.payload,
    }  # fmt: skip
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None, rng: random.Random | None = None) -> str:
    """Try one delivery if it is due; safe to run concurrently (the conditional update lets one worker in)."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return "missing"
    if not delivery.endpoint.enabled:
        return delivery.status  # kept pending; sent when the endpoint is switched on again
    # The claim filters on the delivery's own columns only: a condition on a joined table would become a
    # subquery that PostgreSQL does not re-check after waiting for the row lock, and both workers would win.
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        delivery.refresh_from_db(fields=["status"])
        return delivery.status
    delivery.refresh_from_db(fields=["status", "attempts", "claimed_at"])
    body = request_body(delivery)
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        **signed_headers(secret=delivery.endpoint.secret, message_id=delivery.message_id, timestamp=now, body=body),
    }  # fmt: skip
    result = transport.post(delivery.endpoint.url, body=body, headers=headers)
    WebhookAttempt.objects.create(
        delivery=delivery, at=now, status_code=result.status_code, response_excerpt=result.excerpt, duration_ms=result.duration_ms,
        error=result.error or ("" if result.ok else f"HTTP {result.status_code}"), succeeded=result.ok,
    )  # fmt: skip
    if result.ok:
        _succeeded(delivery, now=now, status_code=result.status_code)
        return DeliveryStatus.SUCCEEDED
    return _failed(delivery, now=now, status_code=result.status_code, error=result.error or f"HTTP {result.status_code}", rng=rng)


def _succeeded(delivery: WebhookDelivery, *, now: dt.datetime, status_code: int | None) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SUCCEEDED, delivered_at=now, last_status_code=status_code, last_error=""
    )
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(last_success_at=now)


def _failed(delivery: WebhookDelivery, *, now: dt.datetime, status_code: int | None, error: str, rng: random.Random | None) -> str:
    next_at = now + retry_delay(delivery.attempts, rng=rng)
    gives_up = next_at > delivery.window_start + RETRY_WINDOW
    status = DeliveryStatus.FAILED if gives_up else DeliveryStatus.PENDING
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=status, next_attempt_at=next_at, last_status_code=status_code, last_error=error[:500]
    )
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(last_failure_at=now)
    log.info("webhook delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error)
    if gives_up:
        _disable_if_dead(delivery, now=now)
    else:
        transaction.on_commit(lambda: enqueue_pending([delivery.pk], at=next_at))
    return status


@transaction.atomic
def _disable_if_dead(delivery: WebhookDelivery, *, now: dt.datetime) -> None:
    """The endpoint accepted nothing since this delivery was first tried (about three days): switch it off, once."""
    disabled = (
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, enabled=True)
        .exclude(last_success_at__gte=delivery.window_start)
        .update(enabled=False, disabled_reason=f"Disabled on {now:%Y-%m-%d %H:%M} UTC: every delivery failed for {RETRY_WINDOW.days} days.")
    )
    if not disabled:
        return
    endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
    audit_record(actor=None, obj=endpoint, action="webhook_endpoint.disable", after={"enabled": False, "reason": endpoint.disabled_reason})
    from invoice_portal.notifications.services import notify_webhook_endpoint_disabled

    notify_webhook_endpoint_disabled(
        to=[u.email for u in selectors.integration_admins()], url=endpoint.url, reason=endpoint.disabled_reason,
        last_error=delivery.last_error or "",
    )  # fmt: skip


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Admin sends a failed delivery again now, with a fresh three-day retry window."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, window_start=now
    )
    delivery.refresh_from_db()
    if not claimed:
        raise InvalidTransition(f"This delivery is {delivery.get_status_display().lower()}; only failed deliveries are retried.")
    audit_record(actor=actor, obj=delivery.endpoint, action="webhook_delivery.retry", after={"delivery": delivery.pk})
    transaction.on_commit(lambda: enqueue_pending([delivery.pk]))
    return delivery


@transaction.atomic
def delivery_replay(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event to its endpoint once more (a receiver that lost it): a new delivery with a new webhook-id."""
    replay = WebhookDelivery.objects.create(endpoint_id=delivery.endpoint_id, event_id=delivery.event_id, replay_of=delivery)
    audit_record(actor=actor, obj=delivery.endpoint, action="webhook_delivery.replay", after={"delivery": delivery.pk, "replay": replay.pk})
    transaction.on_commit(lambda: enqueue_pending([replay.pk]))
    return replay


def deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Hand due deliveries to the worker again (a lost task, a worker killed mid-send, a backend without delays)."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_SENDING).update(status=DeliveryStatus.PENDING)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__enabled=True)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:5000]
    )
    enqueue_pending(due)
    return len(due)
