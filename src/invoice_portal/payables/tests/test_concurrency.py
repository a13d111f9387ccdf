"""Receipts under real concurrency (PostgreSQL row locks): a PO line is never over-received."""

from __future__ import annotations

import functools
from decimal import Decimal

import pytest
from django.db.models import Sum

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.invoices.books import check_books
from invoice_portal.orders.models import Receipt
from invoice_portal.payables.services import OverReceipt, receipt_record
from invoice_portal.payables.testing import make_ap_personas, make_po
from invoice_portal.testing import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_receipts_at_once_against_one_po_line_never_over_receive() -> None:
    roles_ensure_builtin()
    ap = make_ap_personas()
    po = make_po(supplier=ap.northwind, lines=[("10", "5.00")])
    line = po.lines.get()
    six = [{"order_line": line.pk, "quantity": "6"}]
    results = at_once([lambda: receipt_record(actor=ap.clerk, order=po, lines=six) for _ in range(3)])
    assert sum(isinstance(r, list) for r in results) == 1, results
    assert all(isinstance(r, (list, OverReceipt)) for r in results), results
    assert Receipt.objects.filter(order_line=line).aggregate(s=Sum("quantity"))["s"] == Decimal("6")
    assert check_books() == []


def test_two_transaction_runs_at_once_never_export_one_invoice_twice() -> None:
    from invoice_portal.invoices.models import ReceivedStatus
    from invoice_portal.payables.models import TransactionRunInvoice
    from invoice_portal.payables.services.transaction_runs import NothingToExport, transaction_run_create
    from invoice_portal.payables.testing import flip, receive_all

    roles_ensure_builtin()
    ap = make_ap_personas()
    invoices = []
    for _ in range(4):
        po = make_po(supplier=ap.northwind)
        receive_all(po)
        invoices.append(flip(po, actor=ap.sue))
    assert {i.ap_status for i in invoices} == {ReceivedStatus.ACCEPTED}
    results = at_once([lambda: transaction_run_create(actor=ap.clerk) for _ in range(3)])
    runs = [r for r in results if not isinstance(r, Exception)]
    assert all(isinstance(r, NothingToExport) for r in results if isinstance(r, Exception)), results
    assert runs, results
    exported = list(TransactionRunInvoice.objects.values_list("invoice_id", flat=True))
    assert sorted(exported) == sorted(i.pk for i in invoices)  # every one exported, none twice
    assert sum(r.invoice_count for r in runs) == 4
    assert check_books() == []


def test_a_cancel_and_an_invoice_at_once_never_leave_an_invoice_on_a_canceled_po() -> None:
    from invoice_portal.core.errors import DomainError
    from invoice_portal.invoices.models import Invoice
    from invoice_portal.orders.models import Order, PurchaseOrderStatus
    from invoice_portal.payables.services import purchase_order_close
    from invoice_portal.payables.testing import flip

    roles_ensure_builtin()
    ap = make_ap_personas()
    for attempt in range(3):
        po = make_po(supplier=ap.northwind)
        results = at_once([
            functools.partial(purchase_order_close, actor=ap.clerk, order=po, cancel=True),
            functools.partial(flip, po, actor=ap.sue, number=f"RACE-{attempt}"),
        ])  # fmt: skip
        assert sum(not isinstance(r, Exception) for r in results) == 1, results  # exactly one of the two wins
        assert all(isinstance(r, (Order, Invoice, DomainError)) for r in results), results
        canceled = Order.objects.get(pk=po.pk).po_status == PurchaseOrderStatus.CANCELED
        assert canceled != Invoice.objects.filter(order=po).exists()
    assert check_books() == []


def test_two_clerks_keying_one_po_number_at_once_make_one_po() -> None:
    from invoice_portal.core.errors import Conflict
    from invoice_portal.orders.models import Order
    from invoice_portal.payables.services import purchase_order_create

    roles_ensure_builtin()
    ap = make_ap_personas()
    lines = [{"description": "Chair", "quantity": "1", "unit_price": "10.00"}]
    results = at_once([
        lambda: purchase_order_create(actor=ap.clerk, supplier=ap.northwind, number="PO-SAME", lines=lines, requester=ap.requester)
        for _ in range(3)
    ])  # fmt: skip
    assert sum(isinstance(r, Order) for r in results) == 1, results
    assert all(isinstance(r, (Order, Conflict)) for r in results), results
    assert Order.objects.filter(po_number="PO-SAME").count() == 1


def test_two_supplier_payments_at_once_never_over_pay_a_received_invoice() -> None:
    from invoice_portal.core.errors import AllocationExceedsBalance
    from invoice_portal.invoices.models import Invoice, Status
    from invoice_portal.payables.models import SupplierAllocation
    from invoice_portal.payables.services.supplier_payments import supplier_payment_record
    from invoice_portal.payables.testing import flip, receive_all

    roles_ensure_builtin()
    ap = make_ap_personas()
    po = make_po(supplier=ap.northwind)
    receive_all(po)
    invoice = flip(po, actor=ap.clerk)
    share = invoice.total * Decimal("0.6")  # two of these are more than the invoice
    pay = lambda: supplier_payment_record(  # noqa: E731
        actor=ap.clerk, supplier=ap.northwind, amount=share, method="wire", allocations=[(invoice.pk, share)]
    )
    results = at_once([pay, pay, pay])
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(isinstance(r, AllocationExceedsBalance) for r in results if isinstance(r, Exception)), results
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.allocated_total == share == SupplierAllocation.objects.aggregate(s=Sum("amount"))["s"]
    assert invoice.status == Status.PARTIALLY_PAID
    assert check_books() == []
