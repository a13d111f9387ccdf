"""The gateway webhook inbox: verify, record once, act.

Every connector's webhook view hands the raw body and headers to ``webhook_receive``; so does the
test gateway when it delivers in-process. A delivery is:

1. verified by the adapter (``WebhookSignatureError`` → 400, nothing stored);
2. inserted into ``GatewayEvent`` — the unique (gateway, event id) makes a redelivery a no-op, even
   when two copies arrive at once (the second insert waits for the first and then fails);
3. acted on in the same transaction through the checkout transitions, which are themselves
   idempotent and order-independent: a success after a cancel still records the money, a cancel
   after a success changes nothing, a refund before the payment it refunds waits (``deferred``)
   and is applied when that payment succeeds.

An event the portal cannot act on for a reason a retry will not fix is stored as ``rejected`` and
answered 200, so the provider stops retrying and a person can look at it in the admin.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from invoice_portal.audit.context import origin
from invoice_portal.core.errors import DomainError
from invoice_portal.integrations.gateways.base import EventKind, VerifiedEvent
from invoice_portal.integrations.gateways.registry import get_gateway
from invoice_portal.integrations.models import EventOutcome, GatewayEvent
from invoice_portal.payments.checkout import checkout_close, checkout_succeed, gateway_refund_record
from invoice_portal.payments.models import Checkout, CheckoutStatus, Payment, PaymentStatus

logger = logging.getLogger(__name__)

_ENDINGS = {
    EventKind.CHECKOUT_FAILED: CheckoutStatus.FAILED,
    EventKind.CHECKOUT_CANCELED: CheckoutStatus.CANCELED,
    EventKind.CHECKOUT_EXPIRED: CheckoutStatus.EXPIRED,
}


@dataclass(frozen=True)
class WebhookResult:
    status_code: int
    outcome: str  # an EventOutcome, or "duplicate"
    event_id: str
    detail: str = ""


@dataclass(frozen=True)
class _Action:
    outcome: str
    detail: str
    checkout_id: int | None = None


def webhook_receive(*, gateway: str, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
    """Verify one webhook delivery and act on it once. Raises ``GatewayError`` (``WebhookSignatureError``)."""
    adapter = get_gateway(gateway)
    event = adapter.parse_webhook(body, headers)
    with origin("webhook", f"{adapter.name}:{event.event_id}"):
        result = _receive(adapter.name, event)
    logger.info("%s webhook %s %s: %s %s", adapter.name, event.event_type, event.event_id, result.outcome, result.detail)
    return result


def _facts(event: VerifiedEvent) -> dict[str, str]:
    facts = {
        "checkout_id": str(event.checkout_id or ""), "provider_reference": event.provider_reference,
        "payment_reference": event.payment_reference, "refund_reference": event.refund_reference,
        "amount": "" if event.amount is None else str(event.amount), "currency": event.currency,
    }  # fmt: skip
    return {k: v for k, v in facts.items() if v}


@transaction.atomic
def _receive(gateway: str, event: VerifiedEvent) -> WebhookResult:
    try:
        with transaction.atomic():
            record = GatewayEvent.objects.create(
                gateway=gateway, event_id=event.event_id, event_type=event.event_type[:100], kind=event.kind,
                payment_reference=event.payment_reference[:200], payload=event.payload, facts=_facts(event),
                outcome=EventOutcome.PROCESSED,
            )  # fmt: skip
    except IntegrityError:
        GatewayEvent.objects.filter(gateway=gateway, event_id=event.event_id).update(deliveries=F("deliveries") + 1)
        return WebhookResult(200, "duplicate", event.event_id, "already received")
    action = _act_safely(gateway, event)
    record.outcome, record.detail, record.checkout_id = action.outcome, action.detail[:500], action.checkout_id
    record.processed_at = None if action.outcome == EventOutcome.DEFERRED else timezone.now()
    record.save(update_fields=["outcome", "detail", "checkout", "processed_at"])
    if event.kind == EventKind.CHECKOUT_SUCCEEDED and action.outcome == EventOutcome.PROCESSED and event.payment_reference:
        _replay_deferred(gateway, event.payment_reference)
    return WebhookResult(200, action.outcome, event.event_id, action.detail)


def _act_safely(gateway: str, event: VerifiedEvent) -> _Action:
    try:
        with transaction.atomic():
            return _act(gateway, event)
    except DomainError as exc:
        return _Action(EventOutcome.REJECTED, exc.message, _checkout_id(gateway, event))


def _checkout_id(gateway: str, event: VerifiedEvent) -> int | None:
    checkout = _find_checkout(gateway, event)
    return checkout.pk if checkout else None


def _find_checkout(gateway: str, event: VerifiedEvent) -> Checkout | None:
    if event.provider_reference:
        found = Checkout.objects.filter(gateway=gateway, provider_reference=event.provider_reference).first()
        if found is not None:
            return found
    if event.checkout_id is not None:
        found = Checkout.objects.filter(gateway=gateway, pk=event.checkout_id).first()
        # A session we gave the provider before its reference was stored is still ours; a different one is not.
        if found is not None and (not found.provider_reference or not event.provider_reference):
            return found
    return None


def _act(gateway: str, event: VerifiedEvent) -> _Action:
    actor = f"{gateway} webhook"
    if event.kind in (EventKind.IGNORED, EventKind.CHECKOUT_PROCESSING):
        label = "processing: nothing changes yet" if event.kind == EventKind.CHECKOUT_PROCESSING else "not an event the portal acts on"
        return _Action(EventOutcome.IGNORED, label, _checkout_id(gateway, event))
    if event.kind == EventKind.REFUND_SUCCEEDED:
        return _refund(gateway, event, actor)
    checkout = _find_checkout(gateway, event)
    if checkout is None:
        if event.checkout_id is None:  # e.g. another application's session on a shared provider account
            return _Action(EventOutcome.IGNORED, "not a checkout of this portal")
        return _Action(EventOutcome.REJECTED, f"no checkout matches (checkout {event.checkout_id}, session {event.provider_reference})")
    if event.kind == EventKind.CHECKOUT_SUCCEEDED:
        if event.amount is None or not event.currency:
            return _Action(EventOutcome.REJECTED, "the event names no amount", checkout.pk)
        result = checkout_succeed(
            actor=actor, checkout_id=checkout.pk, gateway=gateway, amount=event.amount, currency=event.currency,
            payment_reference=event.payment_reference,
        )  # fmt: skip
    else:
        result = checkout_close(actor=actor, checkout_id=checkout.pk, status=_ENDINGS[event.kind], reason=event.details.get("reason", ""))
    return _Action(EventOutcome.PROCESSED if result.changed else EventOutcome.NO_CHANGE, result.detail, checkout.pk)


def _refund(gateway: str, event: VerifiedEvent, actor: str) -> _Action:
    if not event.refund_reference or event.amount is None:
        return _Action(EventOutcome.REJECTED, "the refund event names no refund or amount")
    payment = (
        Payment.objects.filter(gateway=gateway, gateway_reference=event.payment_reference).first() if event.payment_reference else None
    )
    checkout_id = getattr(getattr(payment, "checkout", None), "pk", None) if payment else None
    if payment is None or payment.status == PaymentStatus.PENDING:
        return _Action(EventOutcome.DEFERRED, f"refund of {event.payment_reference or 'an unknown payment'} waits for its payment")
    if event.currency and event.currency != payment.currency:
        return _Action(EventOutcome.REJECTED, f"refund in {event.currency} of a payment in {payment.currency}", checkout_id)
    new = gateway_refund_record(
        actor=actor, payment=payment, amount=event.amount, refund_reference=event.refund_reference, reason="Refunded at the gateway"
    )
    detail = f"refund {event.refund_reference} of payment #{payment.pk}" + ("" if new else " was already recorded")
    return _Action(EventOutcome.PROCESSED if new else EventOutcome.NO_CHANGE, detail, checkout_id)


def _replay_deferred(gateway: str, payment_reference: str) -> None:
    """Refunds that arrived before their payment: apply them now that it exists (oldest first)."""
    waiting = GatewayEvent.objects.select_for_update().filter(
        gateway=gateway, payment_reference=payment_reference, outcome=EventOutcome.DEFERRED
    )
    for record in waiting.order_by("received_at", "pk"):
        facts = record.facts
        event = VerifiedEvent(
            event_id=record.event_id, kind=EventKind(record.kind), event_type=record.event_type, payload=record.payload,
            payment_reference=payment_reference, refund_reference=facts.get("refund_reference", ""),
            amount=Decimal(facts["amount"]) if facts.get("amount") else None, currency=facts.get("currency", ""),
        )  # fmt: skip
        with origin("webhook", f"{gateway}:{record.event_id}"):
            try:
                with transaction.atomic():
                    action = _refund(gateway, event, f"{gateway} webhook")
            except DomainError as exc:
                action = _Action(EventOutcome.REJECTED, exc.message)
        record.outcome, record.detail = action.outcome, f"(replayed) {action.detail}"[:500]
        record.checkout_id = action.checkout_id or record.checkout_id
        record.processed_at = timezone.now()
        record.save(update_fields=["outcome", "detail", "checkout", "processed_at"])
