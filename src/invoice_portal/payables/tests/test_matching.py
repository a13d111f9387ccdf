"""Three-way matching, the pure rules: tolerance edge cases, percent vs absolute, supplier override, reason codes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from invoice_portal.payables.matching import Allowance, InvoiceLineIn, Outcome, PoLine, Reason, Tolerances, match_invoice


def po(qty: str = "10", price: str = "5.00", received: str | None = None, before: str = "0") -> dict[int, PoLine]:
    return {1: PoLine(1, D(qty), D(price), D(received if received is not None else qty), D(before))}


NONE = Tolerances()


def one(billed: str, price: str, tol: Tolerances = NONE, **po_kw: str) -> tuple[str, str]:
    result = match_invoice([InvoiceLineIn(1, D(billed), D(price), 1)], po(**po_kw), tol)
    return result.lines[0].reason, result.outcome


def test_exact_match_passes_with_no_tolerance_set() -> None:
    result = match_invoice([InvoiceLineIn(1, D("10"), D("5.00"), 1)], po(), Tolerances())
    assert result.outcome == Outcome.MATCHED
    line, total = result.lines
    assert (line.reason, line.expected, line.actual, line.tolerance) == (Reason.MATCHED, D("50"), D("50"), D("0"))
    assert (total.line_no, total.reason) == (None, Reason.TOTAL_MATCHED)


def test_no_tolerance_means_any_price_difference_is_an_exception() -> None:
    assert one("10", "5.01") == (Reason.PRICE, Outcome.EXCEPTION)


@pytest.mark.parametrize(
    ("price", "expected"),
    [("5.50", Reason.MATCHED), ("4.50", Reason.MATCHED), ("5.5001", Reason.PRICE), ("4.4999", Reason.PRICE)],
)
def test_price_percent_exactly_at_the_limit_passes_just_over_fails(price: str, expected: str) -> None:
    tol = Tolerances(price=Allowance(percent=D("10")))
    assert one("10", price, tol)[0] == expected


@pytest.mark.parametrize(("price", "expected"), [("5.25", Reason.MATCHED), ("5.2501", Reason.PRICE)])
def test_price_absolute_exactly_at_the_limit_passes_just_over_fails(price: str, expected: str) -> None:
    # The line amount (10 × price) is held to the same absolute allowance: 0.25 per unit would be 2.50 on the line.
    tol = Tolerances(price=Allowance(absolute=D("0.25")))
    assert one("1", price, tol, qty="1")[0] == expected


def test_when_percent_and_absolute_are_both_set_the_stricter_applies() -> None:
    # 10 % of 5.00 is 0.50; the absolute 0.20 is stricter and wins.
    both = Tolerances(price=Allowance(percent=D("10"), absolute=D("0.20")))
    assert one("1", "5.20", both, qty="1")[0] == Reason.MATCHED
    assert one("1", "5.30", both, qty="1")[0] == Reason.PRICE
    assert one("1", "5.30", Tolerances(price=Allowance(percent=D("10"))), qty="1")[0] == Reason.MATCHED
    # And the other way round: 1 % of 5.00 = 0.05 is stricter than an absolute 0.20.
    both = Tolerances(price=Allowance(percent=D("1"), absolute=D("0.20")))
    assert one("1", "5.05", both, qty="1")[0] == Reason.MATCHED
    assert one("1", "5.06", both, qty="1")[0] == Reason.PRICE


def test_supplier_override_replaces_the_organizations_value_field_by_field() -> None:
    org = Tolerances(price=Allowance(percent=D("1"), absolute=D("1.00")), quantity=Allowance(absolute=D("1")))
    supplier = Tolerances(price=Allowance(percent=D("10")))
    merged = org.overridden_by(supplier)
    assert merged.price == Allowance(percent=D("10"), absolute=D("1.00"))
    assert merged.quantity == Allowance(absolute=D("1"))
    assert org.overridden_by(None) == org
    # 5.40 is 8 % over: outside the organization's 1 %, inside the supplier's 10 % (and its inherited 1.00 absolute).
    assert one("1", "5.40", org, qty="1")[0] == Reason.PRICE
    assert one("1", "5.40", merged, qty="1")[0] == Reason.MATCHED


def test_quantity_billed_beyond_received_waits_for_receiving_while_goods_are_outstanding() -> None:
    reason, outcome = one("10", "5.00", received="6")
    assert (reason, outcome) == (Reason.NOT_RECEIVED, Outcome.NOT_RECEIVED)


def test_quantity_billed_beyond_received_when_all_was_received_is_an_exception() -> None:
    assert one("12", "5.00", received="10") == (Reason.QTY_OVER_RECEIVED, Outcome.EXCEPTION)


def test_quantity_tolerance_on_received_and_ordered_at_and_just_over_the_limit() -> None:
    tol = Tolerances(quantity=Allowance(percent=D("10")))
    assert one("11", "5.00", tol, received="11")[0] == Reason.MATCHED  # over-received 11 of 10 ordered; 10 % of 10 = 1
    assert one("11.0001", "5.00", tol, received="12")[0] == Reason.QTY_OVER_ORDERED
    assert one("6.6", "5.00", tol, received="6")[0] == Reason.MATCHED  # 10 % of 6 received = 0.6
    assert one("6.6001", "5.00", tol, received="6")[0] == Reason.NOT_RECEIVED


def test_earlier_invoices_on_the_same_po_line_count() -> None:
    assert one("4", "5.00", received="10", before="6")[0] == Reason.MATCHED
    assert one("5", "5.00", received="10", before="6")[0] == Reason.QTY_OVER_RECEIVED
    assert one("5", "5.00", qty="20", received="10", before="6")[0] == Reason.NOT_RECEIVED


def test_two_lines_on_one_po_line_accumulate() -> None:
    lines = [InvoiceLineIn(1, D("6"), D("5.00"), 1), InvoiceLineIn(2, D("6"), D("5.00"), 1)]
    result = match_invoice(lines, po(), Tolerances())
    assert [r.reason for r in result.lines] == [Reason.MATCHED, Reason.QTY_OVER_RECEIVED, Reason.TOTAL_MATCHED]


def test_lines_without_po_line_follow_the_setting() -> None:
    freight = InvoiceLineIn(2, D("1"), D("25.00"), None)
    item = InvoiceLineIn(1, D("10"), D("5.00"), 1)
    assert match_invoice([item, freight], po(), Tolerances()).lines[1].reason == Reason.NO_PO_LINE
    allowed = match_invoice([item, freight], po(), Tolerances(no_po_line_limit=D("25.00")))
    assert [r.reason for r in allowed.lines] == [Reason.MATCHED, Reason.NO_PO_LINE_ALLOWED, Reason.TOTAL_MATCHED]
    assert allowed.outcome == Outcome.MATCHED
    assert match_invoice([item, freight], po(), Tolerances(no_po_line_limit=D("24.99"))).outcome == Outcome.EXCEPTION


def test_invoice_total_is_checked_against_the_expected_total() -> None:
    # Each line within 0.04 absolute per unit price, but the line amounts add up beyond 0.04 on the total.
    tol = Tolerances(price=Allowance(absolute=D("0.04")))
    lines = [InvoiceLineIn(1, D("1"), D("5.03"), 1), InvoiceLineIn(2, D("1"), D("5.03"), 2)]
    pos = {1: PoLine(1, D("1"), D("5.00"), D("1"), D("0")), 2: PoLine(2, D("1"), D("5.00"), D("1"), D("0"))}
    result = match_invoice(lines, pos, tol)
    assert [r.reason for r in result.lines] == [Reason.MATCHED, Reason.MATCHED, Reason.TOTAL]
    total = result.lines[-1]
    assert (total.expected, total.actual, total.tolerance) == (D("10.00"), D("10.06"), D("0.04"))
    assert result.outcome == Outcome.EXCEPTION
    assert "total 10.06, expected 10" in result.summary()


def test_not_received_wins_over_other_exceptions() -> None:
    lines = [InvoiceLineIn(1, D("10"), D("5.00"), 1), InvoiceLineIn(2, D("1"), D("9.00"), 2)]
    pos = {1: PoLine(1, D("10"), D("5.00"), D("3"), D("0")), 2: PoLine(2, D("1"), D("5.00"), D("1"), D("0"))}
    assert match_invoice(lines, pos, Tolerances()).outcome == Outcome.NOT_RECEIVED
