"""Store connections and their webhook deliveries: set up, receive once, process after commit.

A delivery is verified by the connector (``StoreSignatureError`` → 401, nothing stored), then inserted
into the webhook inbox (``GatewayEvent``, unique per connection and delivery id, so a redelivery is a
no-op) as ``deferred``; the order is fetched and synced by a task that runs after the commit, so the
store gets its 200 at once and a slow or failing store API never holds a request open. A retryable
failure leaves the delivery ``deferred`` (retried later, or by "Sync now"); any other is ``rejected``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from invoice_portal.audit.context import origin
from invoice_portal.audit.services import audit_record
from invoice_portal.core.encryption import secret_encrypt
from invoice_portal.core.errors import NotFound, ValidationFailed
from invoice_portal.integrations.bigcommerce import settings as bc_settings
from invoice_portal.integrations.bigcommerce.adapter import Sleep
from invoice_portal.integrations.models import (
    EventOutcome,
    GatewayEvent,
    StoreConnection,
    StoreConnectionStatus,
    StoreOrderOutcome,
    StoreOrderRecord,
)
from invoice_portal.integrations.stores.base import StoreError
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.sync import connection_note_error, store_backfill, store_order_sync

logger = logging.getLogger(__name__)

INBOX_GATEWAY = "bigcommerce"
INBOX_KIND = "store_order"
# The order webhooks BigCommerce sends; each means "fetch this order again". Others are recorded and ignored.
HANDLED_SCOPES = frozenset({
    "store/order/created", "store/order/updated", "store/order/statusUpdated", "store/order/archived",
    "store/order/refund/created",
})  # fmt: skip
RETRY_DELAY = dt.timedelta(minutes=5)


@transaction.atomic
def store_connection_create(
    *, actor: Any, name: str, store_hash: str, access_token: str, webhook_secret: str, app_client_id: str = "",
    app_client_secret: str = "", api_base_url: str = "", b2b_api_base_url: str = "",
) -> StoreConnection:  # fmt: skip
    """Connect a store: credentials encrypted at rest, API hosts from the settings unless given."""
    store_hash = store_hash.strip()
    if not store_hash or not store_hash.replace("-", "").isalnum():
        raise ValidationFailed("store_hash: the store hash from the API path (letters and digits).", field="store_hash")
    if not access_token.strip():
        raise ValidationFailed("access_token: required (an API account token with Orders read-only scope).", field="access_token")
    if not webhook_secret.strip():
        raise ValidationFailed("webhook_secret: required; deliveries are verified with it.", field="webhook_secret")
    if StoreConnection.objects.filter(platform="bigcommerce", store_hash=store_hash).exists():
        raise ValidationFailed(f"store_hash: the store {store_hash} is connected already.", field="store_hash")
    connection = StoreConnection.objects.create(
        name=name.strip()[:100] or store_hash, store_hash=store_hash,
        api_base_url=(api_base_url or bc_settings.api_base()).rstrip("/"),
        b2b_api_base_url=(b2b_api_base_url or bc_settings.b2b_api_base()).rstrip("/"),
        access_token_encrypted=secret_encrypt(access_token.strip()), webhook_secret_encrypted=secret_encrypt(webhook_secret.strip()),
        app_client_id=app_client_id.strip(), app_client_secret_encrypted=secret_encrypt(app_client_secret.strip()),
    )  # fmt: skip
    audit_record(
        actor=actor, obj=connection, action="store_connection.create", after={"store_hash": store_hash, "api": connection.api_base_url}
    )
    return connection


@dataclass(frozen=True)
class DeliveryResult:
    status_code: int
    outcome: str  # an EventOutcome, or "duplicate"
    delivery_id: str
    detail: str = ""


def store_webhook_receive(*, connection_id: int, body: bytes, headers: Mapping[str, str]) -> DeliveryResult:
    """Verify one delivery and put it in the inbox once; its order is synced after the commit."""
    connection = StoreConnection.objects.filter(pk=connection_id).first()
    if connection is None:
        raise NotFound("No such store connection.")
    hook = store_connector(connection).verify_webhook(body, headers)
    with origin("webhook", f"store:{connection.pk}:{hook.delivery_id}"):
        return _record_delivery(connection, hook.delivery_id, hook.scope, hook.resource_id, dict(hook.payload))


@transaction.atomic
def _record_delivery(
    connection: StoreConnection, delivery_id: str, scope: str, resource_id: str, payload: dict[str, Any]
) -> DeliveryResult:
    now = timezone.now()
    StoreConnection.objects.filter(pk=connection.pk).update(last_delivery_at=now)
    handled = scope in HANDLED_SCOPES and resource_id.isdigit()
    paused = connection.status == StoreConnectionStatus.PAUSED
    outcome = EventOutcome.DEFERRED if handled and not paused else EventOutcome.IGNORED
    detail = (
        "waiting to be synced"
        if outcome == EventOutcome.DEFERRED
        else ("connection paused" if paused else f"{scope} is not an order event the portal syncs")
    )
    try:
        with transaction.atomic():
            event = GatewayEvent.objects.create(
                gateway=INBOX_GATEWAY, event_id=f"{connection.pk}:{delivery_id}"[:255], event_type=scope[:100], kind=INBOX_KIND,
                payment_reference=f"store:{connection.pk}", payload=payload,
                facts={"connection": connection.pk, "order_id": resource_id}, outcome=outcome, detail=detail,
                processed_at=None if outcome == EventOutcome.DEFERRED else now,
            )  # fmt: skip
    except IntegrityError:
        GatewayEvent.objects.filter(gateway=INBOX_GATEWAY, event_id=f"{connection.pk}:{delivery_id}"[:255]).update(
            deliveries=F("deliveries") + 1
        )
        return DeliveryResult(200, "duplicate", delivery_id, "already received")
    if outcome == EventOutcome.DEFERRED:
        transaction.on_commit(lambda: _enqueue(event.pk))
    return DeliveryResult(200, outcome, delivery_id, detail)


def _enqueue(event_id: int, *, delay: dt.timedelta | None = None) -> None:
    from invoice_portal.integrations.stores.tasks import store_delivery_process_task

    task = store_delivery_process_task
    if delay is not None:
        if not task.get_backend().supports_defer:
            return  # left deferred: the next "Sync now" or store-sync picks it up
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(event_id=event_id)


def store_delivery_process(*, event_id: int, sleep: Sleep = time.sleep) -> str:
    """Sync the order a deferred delivery names. Claimed with a conditional update: one worker per delivery."""
    now = timezone.now()
    claimed = GatewayEvent.objects.filter(pk=event_id, kind=INBOX_KIND, outcome=EventOutcome.DEFERRED, processed_at__isnull=True).update(
        processed_at=now
    )
    if not claimed:
        return "not waiting"
    event = GatewayEvent.objects.get(pk=event_id)
    connection = StoreConnection.objects.get(pk=event.facts["connection"])
    with origin("webhook", f"store:{connection.pk}:{event.event_id}"):
        try:
            result = store_order_sync(
                connection=connection, connector=store_connector(connection, sleep=sleep), order_id=str(event.facts["order_id"])
            )
        except StoreError as exc:
            connection_note_error(connection, exc.message)
            if exc.retryable:
                GatewayEvent.objects.filter(pk=event_id).update(processed_at=None, detail=f"will retry: {exc.message}"[:500])
                _enqueue(event_id, delay=RETRY_DELAY)
                return "retry"
            GatewayEvent.objects.filter(pk=event_id).update(outcome=EventOutcome.REJECTED, detail=exc.message[:500])
            return EventOutcome.REJECTED
    outcome = EventOutcome.NO_CHANGE if result.outcome == StoreOrderOutcome.STALE else EventOutcome.PROCESSED
    GatewayEvent.objects.filter(pk=event_id).update(
        outcome=outcome, detail=f"order {result.external_id}: {result.outcome} {result.reason}"[:500]
    )
    return outcome


@dataclass(frozen=True)
class SyncNowResult:
    deliveries: int
    orders: int
    failed: str = ""


def store_sync_now(*, actor: Any, connection: StoreConnection, sleep: Sleep = time.sleep) -> SyncNowResult:
    """Catch up: deliveries still waiting, orders held or flagged, and every order modified since the last sync (less a day)."""
    waiting = list(
        GatewayEvent.objects.filter(
            kind=INBOX_KIND, payment_reference=f"store:{connection.pk}", outcome=EventOutcome.DEFERRED, processed_at__isnull=True
        ).order_by("received_at", "pk").values_list("pk", flat=True)
    )  # fmt: skip
    for pk in waiting:
        store_delivery_process(event_id=pk, sleep=sleep)
    connector = store_connector(connection, sleep=sleep)
    orders = 0
    try:
        retry = StoreOrderRecord.objects.filter(connection=connection, outcome__in=[StoreOrderOutcome.HELD, StoreOrderOutcome.FLAGGED])
        for external_id in retry.values_list("external_id", flat=True):
            store_order_sync(connection=connection, connector=connector, order_id=external_id)
            orders += 1
        since = (connection.last_synced_at or timezone.now() - dt.timedelta(days=30)) - dt.timedelta(days=1)
        orders += store_backfill(connection=connection, connector=connector, since=since, restart=True).done
    except StoreError as exc:
        connection_note_error(connection, exc.message)
        return SyncNowResult(len(waiting), orders, exc.message)
    audit_record(actor=actor, obj=connection, action="store_connection.sync_now", after={"deliveries": len(waiting), "orders": orders})
    return SyncNowResult(len(waiting), orders)


@transaction.atomic
def store_connection_set_paused(*, actor: Any, connection: StoreConnection, paused: bool) -> StoreConnection:
    connection = StoreConnection.objects.select_for_update().get(pk=connection.pk)
    before = connection.status
    connection.status = StoreConnectionStatus.PAUSED if paused else StoreConnectionStatus.ACTIVE
    connection.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=connection,
        action="store_connection.pause" if paused else "store_connection.resume",
        before={"status": before},
        after={"status": connection.status},
    )
    return connection
