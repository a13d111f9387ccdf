"""Invoices made from orders, under the ``invoices_per_order`` setting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from invoice_portal.core.errors import Conflict, OrderAlreadyInvoiced
from invoice_portal.core.money import ZERO
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind, Source
from invoice_portal.invoices.per_order import live_invoices_of, order_invoice_check
from invoice_portal.invoices.services.documents import invoice_create
from invoice_portal.orders.models import Order


@transaction.atomic
def invoice_create_from_order(*, actor: Any, order: Order, extra_lines: list[dict[str, Any]] | None = None) -> Invoice:
    """A draft invoice copying the order's lines.

    With ``invoices_per_order = one`` an order gets one live invoice; with ``many`` each
    new invoice copies only the quantities not yet invoiced (partial invoicing).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.is_canceled:
        raise Conflict(f"Order {order.external_id} is canceled; it cannot be invoiced.")
    order_invoice_check(order=order, kind=Kind.INVOICE, field=None)
    live = live_invoices_of(order)
    invoiced: dict[int, Decimal] = dict(
        InvoiceLine.objects.filter(invoice__in=live, order_line__order=order)
        .values("order_line")
        .annotate(q=Sum("quantity"))
        .values_list("order_line", "q")
    )
    lines = []
    for ol in order.lines.order_by("line_no"):
        remaining = ol.quantity - invoiced.get(ol.pk, ZERO)
        if remaining > ZERO:
            lines.append({"kind": "item", "sku": ol.sku, "description": ol.description, "quantity": remaining,
                          "unit_price": ol.unit_price, "tax_category": ol.tax_category, "tax_rate": ol.tax_rate,
                          "order_line_id": ol.pk})  # fmt: skip
    if not lines:
        raise OrderAlreadyInvoiced(f"Every line of order {order.external_id} is invoiced already.")
    return invoice_create(
        actor=actor, company=order.company, lines=lines + list(extra_lines or []), source=Source.ORDER,
        currency=order.currency, order=order,
    )  # fmt: skip
