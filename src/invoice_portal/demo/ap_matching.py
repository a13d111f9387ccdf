"""AP part 2 demo: tolerances, approver limits, and received invoices in the states matching and approval
add (on hold with reasons, pending order acceptance, pending delegated approval, rejected, downloaded
in a transaction run, accepted after approval) and a payment to a supplier. Written only through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice, Source
from invoice_portal.orders.models import Order
from invoice_portal.payables.services import purchase_order_upsert, receipt_record, received_invoice_create
from invoice_portal.payables.services.ap_settings import approver_limit_set, payables_tolerances_update, supplier_tolerance_set
from invoice_portal.payables.services.approval import (
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)
from invoice_portal.payables.services.supplier_payments import supplier_payment_record
from invoice_portal.payables.services.transaction_runs import transaction_run_create


def _po(clerk: User, requester: User, supplier: Company, n: int, lines: list[tuple[str, str, str]], day: dt.date) -> Order:
    order, _ = purchase_order_upsert(
        actor=clerk, source="erp", external_id=f"AP-PO-M{n:03d}", number=f"46000{n:05d}", supplier=supplier, requester=requester,
        order_date=day, lines=[{"description": d, "quantity": q, "unit_price": p, "tax_rate": "8.25"} for d, q, p in lines],
    )  # fmt: skip
    receipt_record(actor=clerk, order=order, lines=[{"order_line": ln.pk, "quantity": ln.quantity} for ln in order.lines.all()],
                   received_on=day, reference=f"DN-M{n:03d}")  # fmt: skip
    return order


def _flip(order: Order, actor: Any, number: str, day: dt.date, prices: dict[int, str] | None = None) -> Invoice:
    lines = [
        {"description": ln.description, "quantity": ln.quantity, "unit_price": (prices or {}).get(ln.line_no, ln.unit_price),
         "tax_rate": ln.tax_rate, "tax_category": ln.tax_category, "order_line_id": ln.pk}
        for ln in order.lines.order_by("line_no")
    ]  # fmt: skip
    return received_invoice_create(actor=actor, supplier=order.company, number=number, lines=lines, order=order, issue_date=day,
                                   source=Source.SUPPLIER_PORTAL)  # fmt: skip


def build_ap_matching_demo(*, today: dt.date, users: dict[str, User], suppliers: dict[str, Company]) -> None:
    clerk, approver, admin, buyer = users["ap@demo.test"], users["approver@demo.test"], users["admin@demo.test"], users["sales@demo.test"]
    sue, carl = users["sue@northwind.test"], users["carl@contoso.test"]

    def day(offset: int) -> dt.date:
        return today - dt.timedelta(days=offset)

    payables_tolerances_update(actor=admin, price_tolerance_percent="2", price_tolerance_amount="5.00", quantity_tolerance_amount="0",
                               no_po_line_limit="50.00")  # fmt: skip
    supplier_tolerance_set(actor=admin, supplier=suppliers["contoso"], price_tolerance_percent="5")
    approver_limit_set(actor=admin, user=buyer, limit=Decimal("500"))
    approver_limit_set(actor=admin, user=approver, limit=Decimal("50000"), delegate=users["finance@demo.test"],
                       delegate_from=today + dt.timedelta(days=14), delegate_until=today + dt.timedelta(days=28))  # fmt: skip
    desks = [("Standing desk", "4", "520.00"), ("Monitor arm", "4", "79.00")]
    # Within tolerance (1.00 over on a 79.00 line: 1.3 %, under 5.00): accepted at once — exported below.
    first = _flip(_po(clerk, buyer, suppliers["northwind"], 1, desks, day(30)), sue, "NW-24-0401", day(25), {2: "80.00"})
    # Over tolerance: on hold, then the requester was asked (Pending Order Acceptance).
    asked = _flip(_po(clerk, buyer, suppliers["northwind"], 2, desks, day(20)), sue, "NW-24-0412", day(12), {1: "560.00"})
    received_invoice_send_to_buyer(actor=clerk, invoice=asked, comment="Desks billed at 560, ordered at 520: did you agree?")
    # The requester accepted above their 500 limit: waiting for approver@demo.test (Pending Delegated Approval).
    routed = _flip(_po(clerk, buyer, suppliers["contoso"], 3, desks, day(18)), carl, "CON-9950", day(10), {1: "560.00"})
    received_invoice_send_to_buyer(actor=clerk, invoice=routed)
    received_invoice_buyer_accept(actor=buyer, invoice=routed, comment="Price rise agreed by phone on the 3rd.")
    # Approved by the approver: accepted, then exported in the transaction run.
    approved = _flip(_po(clerk, buyer, suppliers["contoso"], 4, desks, day(40)), carl, "CON-9901", day(35), {2: "90.00"})
    received_invoice_send_to_buyer(actor=clerk, invoice=approved)
    received_invoice_buyer_accept(actor=buyer, invoice=approved, comment="Upgraded arms, fine.")
    received_invoice_approve(actor=approver, invoice=approved, comment="OK")
    # Rejected (final): the supplier sees why.
    rejected = _flip(_po(clerk, buyer, suppliers["northwind"], 5, desks, day(16)), sue, "NW-24-0415", day(9), {1: "640.00"})
    received_invoice_reject(actor=clerk, invoice=rejected, comment="Not the agreed price; please re-issue at 520.00 per desk.")
    # The transaction run exports everything accepted so far (Downloaded) ...
    transaction_run_create(actor=clerk)
    # ... and one accepted since waits for the next run.
    trays = _flip(_po(clerk, buyer, suppliers["northwind"], 6, [("Cable tray", "10", "18.00")], day(6)), sue, "NW-24-0420", day(4))
    # Paid: the exported desks invoice in full and half of the cable trays; 100.00 stays on account.
    # Northwind's users see it under "What was paid".
    half = (trays.total / 2).quantize(Decimal("0.01"))
    supplier_payment_record(
        actor=clerk, supplier=suppliers["northwind"], amount=first.total + half + Decimal("100.00"), method="wire",
        reference="TRF-2026-0412", paid_on=day(2), allocations=[(first, first.total), (trays, half)],
    )  # fmt: skip
