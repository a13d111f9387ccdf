"""The versioned public payloads of events (version 1), built from the state the transition wrote.

Money is a string with the currency's digits, as everywhere in the API. The schemas of these
payloads are documented in OpenAPI (``events.schemas``); a change that is not additive gets a
new ``version``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoice_portal.core.money import as_str
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import Payment


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def invoice_payload(invoice: Invoice) -> dict[str, Any]:
    money = invoice.currency
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "direction": invoice.direction,
        "status": invoice.status,
        "source": invoice.source,
        "company_id": invoice.company_id,
        "order_id": invoice.order_id,
        "external_id": invoice.external_id,
        "currency": money,
        "issue_date": _date(invoice.issue_date),
        "due_date": _date(invoice.due_date),
        "total": as_str(invoice.total, money),
        "allocated_total": as_str(invoice.allocated_total, money),
        "balance": as_str(invoice.balance, money),
        "version": invoice.version,
    }


def payment_payload(payment: Payment, *, allocations: dict[str, str] | None = None) -> dict[str, Any]:
    """A payment with its allocations (invoice id → amount), as the ERP posts it."""
    money = payment.currency
    if allocations is None:
        rows = payment.allocations.filter(amount__gt=0).order_by("invoice_id").values_list("invoice_id", "amount")
        allocations = {str(invoice_id): as_str(amount, money) for invoice_id, amount in rows}
    return {
        "id": payment.pk,
        "company_id": payment.company_id,
        "amount": as_str(payment.amount, money),
        "currency": money,
        "method": payment.method,
        "reference": payment.reference,
        "received_on": _date(payment.received_on),
        "status": payment.status,
        "refunded_amount": as_str(payment.refunded_amount, money),
        "allocated_total": as_str(payment.allocated_total, money),
        "external_id": payment.external_id,
        "allocations": amounts_by_invoice(allocations, money),
    }


def amounts_by_invoice(amounts: dict[str, str], currency: str) -> list[dict[str, Any]]:
    """``{"12": "30.0000"}`` → ``[{"invoice_id": 12, "amount": "30.00"}]``, by invoice id."""
    return [
        {"invoice_id": int(invoice_id), "amount": as_str(Decimal(amount), currency)}
        for invoice_id, amount in sorted(amounts.items(), key=lambda item: int(item[0]))
    ]


def order_payload(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "source": order.source,
        "external_id": order.external_id,
        "company_id": order.company_id,
        "status": order.status,
        "is_canceled": order.is_canceled,
        "currency": order.currency,
        "total": as_str(order.total, order.currency),
        "flag_updated": order.flag_updated,
        "flag_canceled": order.flag_canceled,
    }
