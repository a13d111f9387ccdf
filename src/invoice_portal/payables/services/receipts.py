"""Receipts: goods or services received against purchase-order lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import Conflict, InvalidTransition, ValidationFailed
from invoice_portal.core.locks import lock_one
from invoice_portal.core.money import QUANTITY_PLACES, ZERO, to_decimal
from invoice_portal.orders.models import Direction, Order, OrderLine, PurchaseOrderStatus, Receipt
from invoice_portal.payables.services.purchase_orders import received_by_line, refresh_receiving_status


class OverReceipt(Conflict):
    code = "over_receipt"


@transaction.atomic
def receipt_record(
    *,
    actor: Any,
    order: Order,
    lines: list[dict[str, Any]],
    received_on: dt.date | None = None,
    reference: str = "",
    over_receipt_reason: str = "",
) -> list[Receipt]:
    """Record what was received against lines of ``order`` (``[{"order_line": id, "quantity": "2"}]``).

    Never more than ordered per line (counting every earlier receipt) unless an over-receipt
    reason is given. The order row is locked first, so two receipts against one purchase order
    are counted one after the other and cannot both pass the check (PostgreSQL test). Invoices
    that wait on this order in Pending Receiving are routed again in the same transaction.
    """
    from invoice_portal.payables.services.received import received_invoices_rematch

    order = lock_one(Order, order.pk)
    if order.direction != Direction.PURCHASE:
        raise ValidationFailed("order: not a purchase order.", field="order")
    if order.po_status in (PurchaseOrderStatus.CLOSED, PurchaseOrderStatus.CANCELED):
        raise InvalidTransition(
            f"Purchase order {order.po_number} is {order.get_po_status_display().lower()}; nothing more is received on it."
        )
    if not lines:
        raise ValidationFailed("lines: say what was received on at least one line.", field="lines")
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationFailed("received_on: in the future.", field="received_on")
    reason = (over_receipt_reason or "").strip()[:300]
    order_lines = {ln.pk: ln for ln in OrderLine.objects.filter(order=order)}
    already = received_by_line(order)
    wanted: dict[int, Decimal] = {}
    for i, raw in enumerate(lines):
        prefix = f"lines[{i}]"
        line_id = raw.get("order_line")
        line_id = getattr(line_id, "pk", line_id)
        try:
            line_id = int(line_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationFailed(f"{prefix}.order_line: the id of a line of this purchase order.", field=f"{prefix}.order_line") from None
        if line_id not in order_lines:
            raise ValidationFailed(
                f"{prefix}.order_line: {line_id} is not a line of purchase order {order.po_number}.", field=f"{prefix}.order_line"
            )
        quantity = to_decimal(raw.get("quantity"), field=f"{prefix}.quantity", places=QUANTITY_PLACES)
        if quantity <= 0:
            raise ValidationFailed(f"{prefix}.quantity: must be above zero.", field=f"{prefix}.quantity")
        wanted[line_id] = wanted.get(line_id, ZERO) + quantity
    for line_id, quantity in wanted.items():
        line = order_lines[line_id]
        total = already.get(line_id, ZERO) + quantity
        if total > line.quantity and not reason:
            raise OverReceipt(
                f"Line {line.line_no} ({line.description}): {line.quantity.normalize():f} ordered, "
                f"{already.get(line_id, ZERO).normalize():f} received already; receiving {quantity.normalize():f} more "
                "needs an over-receipt reason.",
                field="over_receipt_reason",
            )
    user = actor if getattr(actor, "pk", None) is not None else None
    reference = (reference or "").strip()[:100] or f"GRN-{order.pk}-{timezone.now():%Y%m%d%H%M%S%f}"
    receipts = [
        Receipt.objects.create(
            order_line=order_lines[line_id], quantity=quantity, received_on=received_on, reference=reference, received_by=user,
            over_receipt_reason=reason if already.get(line_id, ZERO) + quantity > order_lines[line_id].quantity else "",
        )
        for line_id, quantity in wanted.items()
    ]  # fmt: skip
    before_status = order.po_status
    refresh_receiving_status(order)
    audit_record(
        actor=actor, obj=order, action="receipt.record", before={"po_status": before_status},
        after={"po_status": order.po_status, "reference": reference, "received_on": received_on.isoformat(), "over_receipt_reason": reason,
               "lines": {order_lines[k].line_no: f"{v.normalize():f}" for k, v in wanted.items()}},
    )  # fmt: skip
    received_invoices_rematch(actor=actor, order=order)
    return receipts
