"""Retrofit invoices: a supplier's invoice with no purchase order behind it.

Entering one creates a retrofit purchase order from the invoice's lines, addressed to a
requester on our staff; the invoice waits in Pending Initial Acceptance until that
requester accepts the order (which confirms the goods or services were received, and the
invoice goes to matching) or rejects it (the invoice is rejected, final).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import PermissionDenied, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.invoices.lines import parse_lines
from invoice_portal.invoices.models import Direction, Invoice, Kind, ReceivedStatus, Source, Status
from invoice_portal.orders.models import Order, OrderSource, PurchaseOrderStatus
from invoice_portal.payables.services.emails import notify_rejected
from invoice_portal.payables.services.purchase_orders import check_requester, check_supplier, purchase_order_upsert
from invoice_portal.payables.services.receipts import receipt_record
from invoice_portal.payables.services.received import received_invoice_create, received_invoice_reroute, received_view
from invoice_portal.payables.statuses import check_transition


@transaction.atomic
def retrofit_invoice_create(
    *,
    actor: Any,
    supplier: Company,
    number: str,
    lines: list[dict[str, Any]],
    requester: Any,
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
    currency: str | None = None,
    source: str = Source.MANUAL,
    discount: Any = "0",
    notes: str = "",
    allow_discount: bool = False,
    discount_tax_category: str = "",
    discount_tax_rate: Any = None,
) -> Invoice:
    """An invoice without a PO: a retrofit order is made from its lines, and it waits for the requester."""
    check_supplier(supplier)
    if requester is None:
        raise ValidationFailed("requester: a retrofit order needs the staff member who accepts it.", field="requester")
    check_requester(requester)
    currency = currency or supplier.currency
    specs = parse_lines(lines, currency)  # the same line rules as the invoice, checked before the order is made
    if not specs:
        raise ValidationFailed("lines: an invoice has at least one line.", field="lines")
    number = (number or "").strip()
    if not number:
        raise ValidationFailed("number: the supplier's invoice number is required.", field="number")
    order, _ = purchase_order_upsert(
        actor=actor, source=OrderSource.RETROFIT, external_id=f"RF-{supplier.pk}-{number}"[:100], supplier=supplier,
        number=f"RF-{supplier.pk}-{number}"[:100], currency=currency, requester=requester, order_date=issue_date,
        lines=[{"sku": s.sku, "description": s.description, "quantity": s.quantity, "unit_code": s.unit_code,
                "unit_price": s.unit_price, "tax_category": s.tax_category, "tax_rate": s.tax_rate} for s in specs],
    )  # fmt: skip
    po_lines = list(order.lines.order_by("line_no"))
    linked = [{**raw, "order_line_id": po_lines[i].pk} for i, raw in enumerate(lines)]
    return received_invoice_create(
        actor=actor, supplier=supplier, number=number, lines=linked, issue_date=issue_date, due_date=due_date, currency=currency,
        order=order, source=source, discount=discount, notes=notes, allow_discount=allow_discount,
        discount_tax_category=discount_tax_category, discount_tax_rate=discount_tax_rate,
    )  # fmt: skip


def _check_requester_acts(actor: Any, order: Order) -> None:
    if order.source != OrderSource.RETROFIT:
        raise ValidationFailed(f"Purchase order {order.po_number} is not a retrofit order.")
    if getattr(actor, "pk", None) is None or actor.pk != order.requester_id:
        raise PermissionDenied(f"Only the requester of retrofit order {order.po_number} can accept or reject it.", code="not_the_requester")


def _waiting(order: Order) -> list[Invoice]:
    ids = (
        Invoice.objects.filter(
            order=order, direction=Direction.RECEIVED, kind=Kind.INVOICE, ap_status=ReceivedStatus.PENDING_INITIAL_ACCEPTANCE
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [lock_one(Invoice, pk) for pk in ids]


@transaction.atomic
def retrofit_order_accept(*, actor: Any, order: Order, comment: str = "") -> list[Invoice]:
    """The requester accepts a retrofit order: what it lists is received, and its invoices go to matching."""
    order = lock_one(Order, order.pk)
    _check_requester_acts(actor, order)
    invoices = _waiting(order)
    if not invoices:
        raise ValidationFailed(f"Retrofit order {order.po_number} has no invoice waiting for acceptance.")
    for invoice in invoices:
        check_transition("retrofit_accept", invoice.ap_status, label=str(invoice))
    audit_record(actor=actor, obj=order, action="retrofit_order.accept", after={"comment": comment[:500]})
    if order.po_status == PurchaseOrderStatus.OPEN:
        receipt_record(
            actor=actor, order=order, lines=[{"order_line": ln.pk, "quantity": ln.quantity} for ln in order.lines.all()],
            reference=f"Accepted retrofit {order.po_number}"[:100],
        )  # fmt: skip
    return [received_invoice_reroute(actor=actor, invoice=lock_one(Invoice, inv.pk), action="retrofit_accept") for inv in invoices]


@transaction.atomic
def retrofit_order_reject(*, actor: Any, order: Order, comment: str) -> list[Invoice]:
    """The requester rejects a retrofit order: its waiting invoices are rejected (final), the order canceled."""
    order = lock_one(Order, order.pk)
    _check_requester_acts(actor, order)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("comment: say why, the supplier reads it.", field="comment")
    invoices = _waiting(order)
    if not invoices:
        raise ValidationFailed(f"Retrofit order {order.po_number} has no invoice waiting for acceptance.")
    rejected = []
    for invoice in invoices:
        check_transition("retrofit_reject", invoice.ap_status, ReceivedStatus.REJECTED, label=str(invoice))
        before = received_view(invoice)
        invoice.ap_status, invoice.ap_reason = ReceivedStatus.REJECTED, comment[:500]
        invoice.status, invoice.canceled_at = Status.CANCELED, timezone.now()
        invoice.save(update_fields=["ap_status", "ap_reason", "status", "canceled_at", "updated_at"])
        audit_record(actor=actor, obj=invoice, action="received_invoice.retrofit_reject", before=before, after=received_view(invoice))
        notify_rejected(invoice)
        rejected.append(invoice)
    order.po_status, order.is_canceled = PurchaseOrderStatus.CANCELED, True
    order.save(update_fields=["po_status", "is_canceled", "updated_at"])
    audit_record(actor=actor, obj=order, action="retrofit_order.reject", after={"comment": comment[:500]})
    return rejected
