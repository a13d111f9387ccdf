"""AP matching: invoice lines matched per second on generated POs, receipts and invoices, and the time a
receipt takes to re-match the invoices waiting on its purchase order.

Four figures: ``matching.pure_lines_per_s`` (the pure three-way match of ``payables.matching`` over
loaded data), ``matching.db_lines_per_s`` (``invoice_match`` one invoice per transaction: load PO lines,
receipts and earlier invoices, match, store every line's result), ``matching.db_batched_lines_per_s``
(``invoices_match``: the same for all the invoices at once, loaded in a few queries; the target's figure)
and ``matching.receipt_rematch_ms`` (one receipt that
moves WAITING invoices out of Pending Receiving, in the receipt's transaction).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction

from bench.harness import emit, log
from invoice_portal.companies.models import Company
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.orders.models import Order
from invoice_portal.payables.matching import InvoiceLineIn, match_invoice
from invoice_portal.payables.services import purchase_order_upsert, receipt_record, received_invoice_create
from invoice_portal.payables.services.matching import invoice_match, invoices_match, po_lines_for, tolerances_for

POS, LINES, WAITING = 60, 50, 25


def _supplier() -> Company:
    return Company.objects.create(name="Bench Supplier", external_id=f"BENCH-SUP-{time.time_ns()}", currency="USD", is_supplier=True,
                                  is_customer=False)  # fmt: skip


def _po(supplier: Company, n: int, lines: int, qty: str) -> Order:
    order, _ = purchase_order_upsert(
        actor=None, source="erp", external_id=f"BENCH-PO-{time.time_ns()}-{n}", supplier=supplier, order_date=dt.date.today(),
        lines=[{"description": f"Item {i}", "quantity": qty, "unit_price": f"{5 + i % 7}.25"} for i in range(lines)],
    )  # fmt: skip
    return order


def _invoice(order: Order, supplier: Company, number: str, qty: str | None = None) -> Invoice:
    lines = [{"description": ln.description, "quantity": qty or ln.quantity, "unit_price": ln.unit_price, "order_line_id": ln.pk}
             for ln in order.lines.order_by("line_no")]  # fmt: skip
    return received_invoice_create(actor=None, supplier=supplier, number=number, lines=lines, order=order, source="api")


def run() -> None:
    supplier = _supplier()
    log(f"matching: {POS} POs × {LINES} lines, received, invoiced")
    invoices = []
    for n in range(POS):
        order = _po(supplier, n, LINES, "10")
        receipt_record(actor=None, order=order, lines=[{"order_line": ln.pk, "quantity": ln.quantity} for ln in order.lines.all()])
        invoices.append(_invoice(order, supplier, f"B-{time.time_ns()}-{n}"))
    invoices = list(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).select_related("order").prefetch_related("lines"))
    total_lines = sum(len(i.lines.all()) for i in invoices)
    loaded = [
        ([InvoiceLineIn(ln.line_no, ln.quantity, ln.unit_price, ln.order_line_id) for ln in i.lines.all()],
         po_lines_for(i.order, exclude=i) if i.order else {}, tolerances_for(supplier.pk))
        for i in invoices
    ]  # fmt: skip
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for lines, po_lines, tol in loaded:
            match_invoice(lines, po_lines, tol)
    elapsed = time.perf_counter() - started
    emit("matching.pure_lines_per_s", total_lines * rounds / elapsed, "lines/s", total_lines * rounds)
    started = time.perf_counter()
    for invoice in invoices:
        with transaction.atomic():
            invoice_match(invoice)
    elapsed = time.perf_counter() - started
    emit("matching.db_lines_per_s", total_lines / elapsed, "lines/s", total_lines, invoices=len(invoices), loader="one invoice at a time")
    started = time.perf_counter()
    with transaction.atomic():
        invoices_match(invoices)
    elapsed = time.perf_counter() - started
    emit("matching.db_batched_lines_per_s", total_lines / elapsed, "lines/s", total_lines, invoices=len(invoices),
         loader="invoices_match: all invoices in a few queries, one transaction")  # fmt: skip

    # One PO ordered WAITING of each of 10 lines; WAITING invoices bill 1 of each before anything is received.
    order = _po(supplier, 9999, 10, str(WAITING))
    for n in range(WAITING):
        _invoice(order, supplier, f"W-{time.time_ns()}-{n}", qty="1")
    waiting = Invoice.objects.filter(order=order, ap_status=ReceivedStatus.PENDING_RECEIVING).count()
    started = time.perf_counter()
    receipt_record(actor=None, order=order, lines=[{"order_line": ln.pk, "quantity": ln.quantity} for ln in order.lines.all()])
    elapsed_ms = (time.perf_counter() - started) * 1000
    moved = Invoice.objects.filter(order=order, ap_status=ReceivedStatus.ACCEPTED).count()
    emit("matching.receipt_rematch_ms", elapsed_ms, "ms", waiting, moved=moved, lines_per_invoice=10)
