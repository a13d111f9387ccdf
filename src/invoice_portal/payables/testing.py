"""AP factories and personas for tests (keyword defaults, reached through the services)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order
from invoice_portal.payables.services import purchase_order_upsert, receipt_record, received_invoice_create
from invoice_portal.testing import make_company, make_user

_seq = itertools.count(1)


@dataclass
class ApPersonas:
    clerk: User
    approver: User
    requester: User
    northwind: Company
    initech: Company
    sue: User  # supplier admin at Northwind
    sam: User  # supplier user at Northwind
    ivan: User  # supplier user at Initech


def make_ap_personas() -> ApPersonas:
    northwind = make_company(name="Northwind Traders", external_id="NORTHWIND", is_supplier=True, is_customer=False)
    initech = make_company(name="Initech Supply", external_id="INITECH-S", is_supplier=True, is_customer=False)
    return ApPersonas(
        clerk=make_user(email="ap@demo.test", role="ap_clerk"),
        approver=make_user(email="approver@demo.test", role="approver"),
        requester=make_user(email="req@demo.test", role="sales"),
        northwind=northwind, initech=initech,
        sue=make_user(email="sue@northwind.test", role="supplier_admin", company=northwind),
        sam=make_user(email="sam@northwind.test", role="supplier_user", company=northwind),
        ivan=make_user(email="ivan@initech.test", role="supplier_user", company=initech),
    )  # fmt: skip


def make_po(
    *,
    supplier: Company,
    lines: list[tuple[str, str]] | None = None,
    requester: User | None = None,
    no_invoice_expected: bool = False,
    external_id: str | None = None,
) -> Order:
    """A purchase order with (quantity, unit price) lines, default two lines of 10 × 5.00 and 2 × 100.00."""
    specs = lines or [("10", "5.00"), ("2", "100.00")]
    order, _ = purchase_order_upsert(
        actor=None, source="erp", external_id=external_id or f"PO-{next(_seq):04d}", supplier=supplier, requester=requester,
        no_invoice_expected=no_invoice_expected, order_date=dt.date(2026, 11, 2),
        lines=[{"description": f"Item {i + 1}", "quantity": q, "unit_price": p, "unit_code": "C62"} for i, (q, p) in enumerate(specs)],
    )  # fmt: skip
    return order


def receive_all(order: Order, *, actor: Any = None) -> None:
    receipt_record(actor=actor, order=order, lines=[{"order_line": ln.pk, "quantity": ln.quantity} for ln in order.lines.all()])


def flip(order: Order, *, actor: Any, number: str | None = None, quantities: list[str] | None = None, prices: list[str] | None = None,
         **extra: Any) -> Invoice:  # fmt: skip
    """The PO flipped into an invoice: every line, optionally with other quantities or prices."""
    lines = []
    for i, ln in enumerate(order.lines.order_by("line_no")):
        lines.append({
            "description": ln.description, "quantity": quantities[i] if quantities else ln.quantity,
            "unit_price": prices[i] if prices else ln.unit_price, "order_line_id": ln.pk, "tax_category": ln.tax_category,
            "tax_rate": ln.tax_rate,
        })  # fmt: skip
    return received_invoice_create(
        actor=actor, supplier=order.company, number=number or f"SI-{next(_seq)}", lines=lines, order=order, **extra
    )


def make_held(ap: ApPersonas) -> Invoice:
    """10 × 5.00 + 2 × 100.00 ordered (requested by ``ap.requester``), received, billed by Sue at 5.60 on line 1: on hold."""
    from invoice_portal.invoices.models import ReceivedStatus

    po = make_po(supplier=ap.northwind, requester=ap.requester)
    receive_all(po)
    invoice = flip(po, actor=ap.sue, prices=["5.60", "100.00"])
    assert invoice.ap_status == ReceivedStatus.ON_HOLD
    return invoice
