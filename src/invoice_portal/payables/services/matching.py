"""Matching against the database: load what ``payables.matching`` needs, store each line's result.

``invoice_match`` is what ``received_invoice_route`` calls for an invoice on a purchase order; it
replaces part 1's exact rule with three-way matching with tolerances. ``invoices_match`` is the same for
many invoices at once (the batched loader: a few queries however many invoices; the bench's figure).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

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
    # Plain tuples, not model instances: at thousands of lines the ORM's objects cost more than the queries.
    lines: dict[int, list[tuple[int, int, Decimal, Decimal, int | None]]] = defaultdict(list)
    own_rows = InvoiceLine.objects.filter(invoice_id__in=ids).order_by("invoice_id", "line_no")
    for pk, invoice_id, line_no, quantity, unit_price, order_line_id in own_rows.values_list(
        "pk", "invoice_id", "line_no", "quantity", "unit_price", "order_line_id"
    ):
        lines[invoice_id].append((pk, line_no, quantity, unit_price, order_line_id))
    po_rows = OrderLine.objects.filter(order_id__in=order_ids).annotate(received=Sum("receipts__quantity"))
    po_by_order: dict[int, list[tuple[int, Decimal, Decimal, Decimal]]] = defaultdict(list)
    for pk, order_id, quantity, unit_price, received in po_rows.values_list("pk", "order_id", "quantity", "unit_price", "received"):
        po_by_order[order_id].append((pk, quantity, unit_price, received or ZERO))
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
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for invoice in invoices:
        own = lines[invoice.pk]
        po_lines = {
            pk: PoLine(pk, quantity, unit_price, received, billed_total[pk] - billed_by.get((pk, invoice.pk), ZERO))
            for pk, quantity, unit_price, received in po_by_order[invoice.order_id]  # type: ignore[index]
        }
        result = match_invoice([InvoiceLineIn(no, q, price, po) for _, no, q, price, po in own], po_lines, tolerances[invoice.company_id])
        results[invoice.pk] = result
        line_pk = {no: pk for pk, no, *_ in own}
        rows.extend(
            (invoice.pk, line_pk.get(r.line_no) if r.line_no is not None else None, r.line_no, r.reason, r.passed, r.expected, r.actual,
             r.tolerance, r.message[:300], now)
            for r in result.lines
        )  # fmt: skip
    MatchLine.objects.filter(invoice_id__in=ids).delete()
    _insert_match_lines(rows)
    return results


_MATCH_LINE_COLUMNS = ("invoice_id", "invoice_line_id", "line_no", "reason", "passed", "expected", "actual", "tolerance", "message",
                       "matched_at")  # fmt: skip


def _insert_match_lines(rows: list[tuple[Any, ...]]) -> None:
    """One parameterized INSERT run over every row (``executemany``, pipelined on PostgreSQL); the same columns as
    ``MatchLine`` (the tests read them back), without building a model object per row."""
    if not rows:
        return
    table = connection.ops.quote_name(MatchLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _MATCH_LINE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_MATCH_LINE_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
