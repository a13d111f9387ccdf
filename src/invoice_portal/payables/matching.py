"""Three-way matching of a received invoice: PO line ↔ received quantity ↔ invoiced quantity ↔ unit price.

Pure functions over plain values (no database): ``match_invoice`` takes the invoice's lines, the
purchase-order lines they point at, what was received and what earlier invoices billed, and the
tolerances that apply; it returns one ``LineResult`` per invoice line plus one for the invoice
total, each with a reason code and the numbers behind it (expected, actual, tolerance).

Rules, line by line:

- **No PO line** (freight, say): passes (``no_po_line_allowed``) when the organization allows such
  lines up to an amount and the line's gross is within it; otherwise an exception (``no_po_line``).
- **Quantity**: the quantity billed on the PO line by this and every earlier live invoice must not
  exceed what was received (plus the quantity tolerance). If it does and the line is not fully
  received yet → ``not_received`` (the invoice waits in Pending Receiving; the next receipt re-runs
  matching). If it does although everything ordered was received → ``qty_over_received`` (exception).
  Billed beyond the ordered quantity (plus tolerance) → ``qty_over_ordered`` (exception).
- **Unit price** within the price tolerance of the PO price, else ``price``.
- **Line amount**: the line's GROSS (quantity × unit price, before any discount) within the price
  tolerance of quantity × PO price, else ``line_amount``.
- **Invoice total**: the invoice's gross (sum of line gross; the document discount is ignored, the
  seed: "matching is based on the Gross total amount") within the price tolerance of the expected
  total (PO price × quantity for PO lines, the line's own gross for allowed lines without a PO line),
  else ``total``.

Tolerances: each of price and quantity has a percent and an absolute allowance. When both are set,
the STRICTER (smaller) allowance applies; when one is set, it applies; when neither, the match must be
exact. A supplier's override replaces the organization's value field by field (an unset supplier
field falls back to the organization's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class Reason:
    """Reason codes (stored with each line result)."""

    MATCHED = "matched"
    NO_PO_LINE_ALLOWED = "no_po_line_allowed"
    NO_PO_LINE = "no_po_line"
    NOT_RECEIVED = "not_received"
    QTY_OVER_RECEIVED = "qty_over_received"
    QTY_OVER_ORDERED = "qty_over_ordered"
    PRICE = "price"
    LINE_AMOUNT = "line_amount"
    TOTAL = "total"
    TOTAL_MATCHED = "total_matched"


PASSING = frozenset({Reason.MATCHED, Reason.NO_PO_LINE_ALLOWED, Reason.TOTAL_MATCHED})
LABELS = {
    Reason.MATCHED: "Matched within tolerance",
    Reason.NO_PO_LINE_ALLOWED: "No purchase-order line, within the allowed amount",
    Reason.NO_PO_LINE: "No purchase-order line",
    Reason.NOT_RECEIVED: "Billed more than received so far",
    Reason.QTY_OVER_RECEIVED: "Billed more than received",
    Reason.QTY_OVER_ORDERED: "Billed more than ordered",
    Reason.PRICE: "Unit price outside tolerance",
    Reason.LINE_AMOUNT: "Line amount outside tolerance",
    Reason.TOTAL: "Invoice total outside tolerance",
    Reason.TOTAL_MATCHED: "Invoice total within tolerance",
}


class Outcome:
    MATCHED = "matched"
    NOT_RECEIVED = "not_received"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class Allowance:
    """A percent and an absolute allowance; ``None`` = not set."""

    percent: Decimal | None = None
    absolute: Decimal | None = None

    def of(self, expected: Decimal) -> Decimal:
        """The allowed deviation from ``expected``: the smaller of the set allowances, zero when none is set."""
        options = []
        if self.percent is not None:
            options.append(abs(expected) * self.percent / HUNDRED)
        if self.absolute is not None:
            options.append(self.absolute)
        return min(options) if options else ZERO

    def over(self, other: Allowance) -> Allowance:
        """``self`` (a supplier's override) field by field over ``other`` (the organization's)."""
        return Allowance(
            self.percent if self.percent is not None else other.percent,
            self.absolute if self.absolute is not None else other.absolute,
        )


@dataclass(frozen=True)
class Tolerances:
    price: Allowance = Allowance()
    quantity: Allowance = Allowance()
    # Lines without a PO line pass up to this gross amount each; ``None`` = always an exception.
    no_po_line_limit: Decimal | None = None

    def overridden_by(self, supplier: Tolerances | None) -> Tolerances:
        if supplier is None:
            return self
        return replace(
            self,
            price=supplier.price.over(self.price),
            quantity=supplier.quantity.over(self.quantity),
            no_po_line_limit=supplier.no_po_line_limit if supplier.no_po_line_limit is not None else self.no_po_line_limit,
        )


@dataclass(frozen=True)
class PoLine:
    pk: int
    quantity: Decimal
    unit_price: Decimal
    received: Decimal
    # Billed on this PO line by OTHER live invoices (not the one being matched).
    invoiced_before: Decimal


@dataclass(frozen=True)
class InvoiceLineIn:
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    po_line: int | None = None

    @property
    def gross(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class LineResult:
    line_no: int | None  # None: the invoice-total row
    reason: str
    expected: Decimal
    actual: Decimal
    tolerance: Decimal
    message: str

    @property
    def passed(self) -> bool:
        return self.reason in PASSING


@dataclass(frozen=True)
class MatchResult:
    lines: tuple[LineResult, ...]
    outcome: str

    @property
    def exceptions(self) -> tuple[LineResult, ...]:
        return tuple(r for r in self.lines if not r.passed)

    def summary(self) -> str:
        if self.outcome == Outcome.MATCHED:
            return f"Matched: {len(self.lines) - 1} line(s) and the total within tolerance."
        parts = [r.message for r in self.exceptions]
        prefix = "Waiting for the goods to be received: " if self.outcome == Outcome.NOT_RECEIVED else "Outside tolerance: "
        return (prefix + "; ".join(parts) + ".")[:500]


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _line(ln: InvoiceLineIn, po: PoLine | None, billed: Decimal, tol: Tolerances) -> tuple[LineResult, Decimal]:
    """One invoice line's result, and the amount it is expected to bill (for the total)."""
    label = f"line {ln.line_no}"
    if po is None:
        limit = tol.no_po_line_limit
        if limit is not None and ln.gross <= limit:
            return LineResult(ln.line_no, Reason.NO_PO_LINE_ALLOWED, limit, ln.gross, ZERO, f"{label}: no PO line, allowed"), ln.gross
        return (
            LineResult(ln.line_no, Reason.NO_PO_LINE, limit or ZERO, ln.gross, ZERO, f"{label}: no purchase-order line"),
            ln.gross,
        )
    expected_amount = ln.quantity * po.unit_price
    recv_tol = tol.quantity.of(po.received)
    if billed > po.received + recv_tol:
        if po.received < po.quantity:
            msg = f"{label}: {_n(billed)} billed, {_n(po.received)} received"
            return LineResult(ln.line_no, Reason.NOT_RECEIVED, po.received, billed, recv_tol, msg), expected_amount
        msg = f"{label}: {_n(billed)} billed, only {_n(po.received)} received"
        return LineResult(ln.line_no, Reason.QTY_OVER_RECEIVED, po.received, billed, recv_tol, msg), expected_amount
    order_tol = tol.quantity.of(po.quantity)
    if billed > po.quantity + order_tol:
        msg = f"{label}: {_n(billed)} billed, {_n(po.quantity)} ordered"
        return LineResult(ln.line_no, Reason.QTY_OVER_ORDERED, po.quantity, billed, order_tol, msg), expected_amount
    price_tol = tol.price.of(po.unit_price)
    if abs(ln.unit_price - po.unit_price) > price_tol:
        msg = f"{label}: price {_n(ln.unit_price)}, ordered at {_n(po.unit_price)}"
        return LineResult(ln.line_no, Reason.PRICE, po.unit_price, ln.unit_price, price_tol, msg), expected_amount
    amount_tol = tol.price.of(expected_amount)
    if abs(ln.gross - expected_amount) > amount_tol:
        msg = f"{label}: amount {_n(ln.gross)}, expected {_n(expected_amount)}"
        return LineResult(ln.line_no, Reason.LINE_AMOUNT, expected_amount, ln.gross, amount_tol, msg), expected_amount
    return LineResult(ln.line_no, Reason.MATCHED, expected_amount, ln.gross, amount_tol, f"{label}: matched"), expected_amount


def match_invoice(lines: Iterable[InvoiceLineIn], po_lines: dict[int, PoLine], tolerances: Tolerances) -> MatchResult:
    """Match every line (in line order) and the invoice total; the outcome says where the invoice goes.

    Quantities billed accumulate across lines of this invoice that point at the same PO line, on top
    of what earlier invoices billed.
    """
    results: list[LineResult] = []
    billed: dict[int, Decimal] = {pk: po.invoiced_before for pk, po in po_lines.items()}
    expected_total = actual_total = ZERO
    for ln in sorted(lines, key=lambda x: x.line_no):
        po = po_lines.get(ln.po_line) if ln.po_line is not None else None
        if po is not None:
            billed[po.pk] += ln.quantity
        result, expected = _line(ln, po, billed[po.pk] if po is not None else ZERO, tolerances)
        results.append(result)
        expected_total += expected
        actual_total += ln.gross
    total_tol = tolerances.price.of(expected_total)
    if abs(actual_total - expected_total) > total_tol:
        msg = f"total {_n(actual_total)}, expected {_n(expected_total)}"
        results.append(LineResult(None, Reason.TOTAL, expected_total, actual_total, total_tol, msg))
    else:
        results.append(LineResult(None, Reason.TOTAL_MATCHED, expected_total, actual_total, total_tol, "total matched"))
    reasons = {r.reason for r in results}
    if Reason.NOT_RECEIVED in reasons:
        outcome = Outcome.NOT_RECEIVED
    elif reasons - PASSING:
        outcome = Outcome.EXCEPTION
    else:
        outcome = Outcome.MATCHED
    return MatchResult(tuple(results), outcome)
