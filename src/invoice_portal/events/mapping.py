"""Which audited transitions are public business events, and their payloads.

``on_audit`` is registered with the audit trail at startup (``EventsConfig.ready``) and runs
inside the transition's transaction, right after its audit event was written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.money import as_str
from invoice_portal.events.models import EventType
from invoice_portal.events.payloads import amounts_by_invoice, invoice_payload, order_payload, payment_payload
from invoice_portal.events.services import EventSpec, event_emit, events_emit
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import Payment, PaymentStatus

_PAYMENT_EVENTS = {
    "payment.record": EventType.PAYMENT_RECORDED,
    "payment.refund": EventType.PAYMENT_REFUNDED,
    "payment.reverse": EventType.PAYMENT_REVERSED,
}


def _on_received(audit: AuditEvent, invoice: Invoice) -> EventSpec | None:
    """Every audited AP transition that moved a received invoice's AP status (its audit view carries it)."""
    before, after = (audit.before or {}).get("ap_status"), (audit.after or {}).get("ap_status")
    if not after or before == after:
        return None
    payload = {**invoice_payload(invoice), "ap_reason": invoice.ap_reason, "from_status": before or "", "to_status": after}
    return EventSpec(type=EventType.RECEIVED_INVOICE_STATUS_CHANGED, obj=invoice, payload=payload, company_id=invoice.company_id)


def _on_invoice(audit: AuditEvent, invoice: Invoice) -> EventSpec | None:
    if invoice.direction != Direction.ISSUED:
        return _on_received(audit, invoice)
    action, after = audit.action, audit.after or {}
    type_: EventType | None = None
    extra: dict[str, Any] = {}
    if action == "invoice.issue":
        type_ = EventType.CREDIT_NOTE_ISSUED if invoice.kind == Kind.CREDIT_NOTE else EventType.INVOICE_ISSUED
    elif action == "invoice.update" and invoice.status != Status.DRAFT:
        type_ = EventType.INVOICE_UPDATED
    elif action == "invoice.cancel":
        type_ = EventType.INVOICE_CANCELED
        extra = {"reason": after.get("reason", "")}
    elif action == "invoice.paid" and invoice.kind != Kind.CREDIT_NOTE:
        type_ = EventType.INVOICE_PAID
    elif action == "dispute.open":
        type_ = EventType.INVOICE_DISPUTED
        extra = {"dispute": {key: after.get(key) for key in ("dispute", "line", "reason", "text")}}
    if type_ is None:
        return None
    return EventSpec(type=type_, obj=invoice, payload={**invoice_payload(invoice), **extra}, company_id=invoice.company_id)


def _on_payment(audit: AuditEvent, payment: Payment) -> EventSpec | None:
    after = audit.after or {}
    if audit.action == "payment.resolve":
        if payment.status != PaymentStatus.SUCCEEDED:
            return None
        type_ = EventType.PAYMENT_RECORDED
    elif audit.action in _PAYMENT_EVENTS:
        if audit.action == "payment.record" and payment.status != PaymentStatus.SUCCEEDED:
            return None  # a pending gateway payment is recorded when it succeeds (payment.resolve)
        type_ = _PAYMENT_EVENTS[audit.action]
    else:
        return None
    # payment.record's audit names the allocations the payment writes: the payload takes them from there, no read.
    allocations = after.get("allocations") if audit.action == "payment.record" else None
    payload: dict[str, Any] = payment_payload(payment, allocations=allocations)
    released = amounts_by_invoice(after.get("released") or {}, payment.currency)
    if audit.action == "payment.refund":
        refund = as_str(Decimal(after.get("refund") or 0), payment.currency)
        payload["refund"] = {"amount": refund, "reason": after.get("reason", ""), "released": released}
    elif audit.action == "payment.reverse":
        payload["reversal"] = {"reason": after.get("reason", ""), "released": released}
    return EventSpec(type=type_, obj=payment, payload=payload, company_id=payment.company_id)


def _billed_content_changed(audit: AuditEvent) -> bool:
    before, after = audit.before, audit.after
    return before is not None and after is not None and {**after, "status": None} != {**before, "status": None}


def _on_order(audit: AuditEvent, order: Order) -> EventSpec | None:
    flagged = (audit.action == "order.update" and order.flag_updated and _billed_content_changed(audit)) or (
        audit.action == "order.cancel" and order.flag_canceled
    )
    if not flagged:
        return None
    return EventSpec(type=EventType.ORDER_FLAGGED, obj=order, payload=order_payload(order), company_id=order.company_id)


def _spec(audit: AuditEvent, obj: models.Model) -> EventSpec | None:
    if isinstance(obj, Invoice):
        return _on_invoice(audit, obj)
    if isinstance(obj, Payment):
        return _on_payment(audit, obj)
    if isinstance(obj, Order):
        return _on_order(audit, obj)
    return None


def on_audit(pairs: list[tuple[AuditEvent, models.Model]]) -> None:
    """The audit listener: the public events of what was just audited, written in the same transaction."""
    events_emit([spec for audit, obj in pairs if (spec := _spec(audit, obj)) is not None])


def received_invoice_status_changed(
    *, obj: models.Model, company_id: int | None, before: str, after: str, data: dict[str, Any] | None = None
) -> None:
    """For the AP services: call inside the transition that moved a received invoice from ``before`` to ``after``.

    ``data`` is the received invoice as the AP API shows it (number, supplier, totals); the event adds the move.
    """
    event_emit(
        type=EventType.RECEIVED_INVOICE_STATUS_CHANGED, obj=obj, company_id=company_id,
        payload={**(data or {}), "id": obj.pk, "from_status": before, "to_status": after},
    )  # fmt: skip
