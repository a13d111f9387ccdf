"""Matching against the database: load what ``payables.matching`` needs, store each line's result.

``invoice_match`` is what ``received_invoice_route`` calls for an invoice on a purchase order; it
replaces part 1's exact rule with three-way matching with tolerances.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from invoice_portal.core.money import ZERO
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, ReceivedStatus
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.payables.matching import Allowance, InvoiceLineIn, MatchResult, PoLine, Tolerances, match_invoice
from invoice_portal.payables.models import MatchLine, PayablesSettings, SupplierTolerance, payables_settings

# Invoices whose quantities count as invoiced against a PO line (a draft, rejected or canceled one bills nothing).
BILLING = [s for s in ReceivedStatus.values if s not in (ReceivedStatus.DRAFT, ReceivedStatus.REJECTED, ReceivedStatus.CANCELED)]


def _tolerances(row: PayablesSettings | SupplierTolerance) -> Tolerances:
    return Tolerances(
        price=Allowance(row.price_tolerance_percent, row.price_tolerance_amount),
        quantity=Allowance(row.quantity_tolerance_percent, row.quantity_tolerance_amount),
        no_po_line_limit=row.no_po_line_limit,
    )


def tolerances_for(supplier_id: int) -> Tolerances:
    """The organization's tolerances with the supplier's overrides (field by field) on top."""
    org = _tolerances(payables_settings())
    override = SupplierTolerance.objects.filter(supplier_id=supplier_id).first()
    return org.overridden_by(_tolerances(override) if override is not None else None)


def invoiced_by_line(order: Order, *, exclude: Invoice | None = None) -> dict[int, Decimal]:
    """Quantity billed so far per PO line by the live received invoices on ``order`` (credit invoices not subtracted)."""
    rows = InvoiceLine.objects.filter(
        order_line__order=order, invoice__direction=Direction.RECEIVED, invoice__kind=Kind.INVOICE, invoice__ap_status__in=BILLING
    )
    if exclude is not None:
        rows = rows.exclude(invoice=exclude)
    return {pk: q or ZERO for pk, q in rows.values_list("order_line_id").annotate(q=Sum("quantity"))}


def po_lines_for(order: Order, *, exclude: Invoice | None = None) -> dict[int, PoLine]:
    invoiced = invoiced_by_line(order, exclude=exclude)
    rows = OrderLine.objects.filter(order=order).annotate(received=Sum("receipts__quantity"))
    return {ln.pk: PoLine(ln.pk, ln.quantity, ln.unit_price, ln.received or ZERO, invoiced.get(ln.pk, ZERO)) for ln in rows}


def invoice_match(invoice: Invoice) -> MatchResult:
    """Match ``invoice`` (on a purchase order) and store the result of each line; the previous run's rows are replaced."""
    assert invoice.order is not None
    lines = list(invoice.lines.all())
    result = match_invoice(
        [InvoiceLineIn(ln.line_no, ln.quantity, ln.unit_price, ln.order_line_id) for ln in lines],
        po_lines_for(invoice.order, exclude=invoice),
        tolerances_for(invoice.company_id),
    )
    by_no = {ln.line_no: ln for ln in lines}
    MatchLine.objects.filter(invoice=invoice).delete()
    MatchLine.objects.bulk_create(
        MatchLine(
            invoice=invoice, invoice_line=by_no.get(r.line_no) if r.line_no is not None else None, line_no=r.line_no, reason=r.reason,
            passed=r.passed, expected=r.expected, actual=r.actual, tolerance=r.tolerance, message=r.message[:300],
        )
        for r in result.lines
    )  # fmt: skip
    return result
