"""Matching against the database: load what ``payables.matching`` needs, store each line's result.

``invoice_match`` is what ``received_invoice_route`` calls for an invoice on a purchase order; it
replaces part 1's exact rule with three-way matching with tolerances. ``invoices_match`` is the same for
many invoices at once (the batched loader: a few queries however many invoices; the bench's figure).
"""

from __future__ import annotations

from collections import defaultdict
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
    return invoices_match([invoice])[invoice.pk]


def _tolerances_by_supplier(supplier_ids: set[int]) -> dict[int, Tolerances]:
    org = _tolerances(payables_settings())
    overrides = {row.supplier_id: _tolerances(row) for row in SupplierTolerance.objects.filter(supplier_id__in=supplier_ids)}
    return {pk: org.overridden_by(overrides.get(pk)) for pk in supplier_ids}


def invoices_match(invoices: list[Invoice]) -> dict[int, MatchResult]:
    """Match many invoices on purchase orders at once, each exactly as ``invoice_match`` would, in a handful of queries.

    Loaded together: every invoice's lines, the PO lines of all their orders with what was received, what
    every live received invoice billed on those PO lines (per invoice, so each invoice's own quantities are
    left out of its "invoiced before"), and the tolerances of their suppliers. The results are stored in
    one delete and one insert. The caller holds the invoices' row locks when it routes on the result.
    """
    if not invoices:
        return {}
    ids = [inv.pk for inv in invoices]
    if any(inv.order_id is None for inv in invoices):
        raise ValueError("matching needs a purchase order")
    order_ids = {inv.order_id for inv in invoices if inv.order_id is not None}
    lines: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in InvoiceLine.objects.filter(invoice_id__in=ids).order_by("invoice_id", "line_no"):
        lines[line.invoice_id].append(line)
    po_rows = OrderLine.objects.filter(order_id__in=order_ids).annotate(received=Sum("receipts__quantity"))
    po_by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for row in po_rows:
        po_by_order[row.order_id].append(row)
    billed = (
        InvoiceLine.objects.filter(
            order_line__order_id__in=order_ids, invoice__direction=Direction.RECEIVED, invoice__kind=Kind.INVOICE,
            invoice__ap_status__in=BILLING,
        )
        .values_list("order_line_id", "invoice_id")
        .annotate(q=Sum("quantity"))
    )  # fmt: skip
    billed_total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    billed_by: dict[tuple[int, int], Decimal] = {}
    for line_id, invoice_id, quantity in billed:
        billed_total[line_id] += quantity or ZERO
        billed_by[(line_id, invoice_id)] = quantity or ZERO
    tolerances = _tolerances_by_supplier({inv.company_id for inv in invoices})
    results: dict[int, MatchResult] = {}
    rows: list[MatchLine] = []
    for invoice in invoices:
        own = lines[invoice.pk]
        po_lines = {}
        for ln in po_by_order[invoice.order_id]:  # type: ignore[index]
            before = billed_total[ln.pk] - billed_by.get((ln.pk, invoice.pk), ZERO)
            po_lines[ln.pk] = PoLine(ln.pk, ln.quantity, ln.unit_price, getattr(ln, "received", None) or ZERO, before)
        result = match_invoice(
            [InvoiceLineIn(ln.line_no, ln.quantity, ln.unit_price, ln.order_line_id) for ln in own],
            po_lines,
            tolerances[invoice.company_id],
        )
        results[invoice.pk] = result
        by_no = {ln.line_no: ln for ln in own}
        rows.extend(
            MatchLine(
                invoice=invoice, invoice_line=by_no.get(r.line_no) if r.line_no is not None else None, line_no=r.line_no, reason=r.reason,
                passed=r.passed, expected=r.expected, actual=r.actual, tolerance=r.tolerance, message=r.message[:300],
            )
            for r in result.lines
        )  # fmt: skip
    MatchLine.objects.filter(invoice_id__in=ids).delete()
    MatchLine.objects.bulk_create(rows)
    return results
