"""The one-invoice-per-order rule, checked by every path that creates an invoice for an order.

With ``invoices_per_order = one`` an order has at most one live (not canceled) invoice, however the
invoice is made: from the order in the seller app, by ``POST /api/v1/invoices`` with an ``order``, or by an
import row with a store or ERP order id. Credit and debit notes never count: they amend an invoice. With
``many``, each path may add invoices (``invoice_create_from_order`` then copies only what is not invoiced yet).

The callers hold the order's row lock (``invoice_create`` locks it; an import's applying pass locks the
batch's orders), so two concurrent creations cannot both see "none yet".
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from invoice_portal.core.errors import OrderAlreadyInvoiced
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.orders.models import Order


def live_invoices_of(order: Order) -> QuerySet[Invoice]:
    """The order's invoices that count against the rule: invoices we issue (not notes, not a supplier's), not canceled."""
    return Invoice.objects.filter(order_id=order.pk, kind=Kind.INVOICE, direction=Direction.ISSUED).exclude(status=Status.CANCELED)


def one_per_order() -> bool:
    return portal_settings().invoices_per_order == InvoicesPerOrder.ONE


def order_invoice_check(*, order: Order, kind: str, claimed: Collection[int] = (), field: str | None = "order") -> None:
    """Refuse a new invoice for ``order`` when the setting allows one and the order has one already
    (``claimed``: orders given an invoice earlier in the same batch, not yet written)."""
    if kind != Kind.INVOICE or not one_per_order():
        return
    existing = None if order.pk in claimed else live_invoices_of(order).only("number", "pk").first()
    if order.pk in claimed or existing is not None:
        which = f"({existing})" if existing is not None else "(earlier in this batch)"
        message = f"Order {order.external_id} has an invoice already {which}; the settings allow one invoice per order."
        raise OrderAlreadyInvoiced(f"{field}: {message}" if field else message, field=field)
