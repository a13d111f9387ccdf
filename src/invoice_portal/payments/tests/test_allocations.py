"""Allocations: payments over several invoices, credit on account, credit notes, refunds, reversals, disputes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict, CreditExceedsInvoice, ValidationFailed
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import DisputeStatus, Invoice, Kind, Status
from invoice_portal.invoices.selectors import invoice_summary_status, line_views
from invoice_portal.invoices.services import (
    credit_note_create,
    dispute_open,
    dispute_reject,
    dispute_resolve_by_credit,
    invoice_update,
)
from invoice_portal.payments.models import Allocation, PaymentStatus
from invoice_portal.payments.selectors import allocations_to, company_position
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_allocate,
    payment_record,
    payment_refund,
    payment_resolve_pending,
    payment_reverse,
)
from invoice_portal.testing import line, make_invoice, pay

pytestmark = pytest.mark.django_db

D = Decimal


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def statuses(*invoices: Invoice) -> list[str]:
    return [fresh(inv).status for inv in invoices]


def balances(*invoices: Invoice) -> list[Decimal]:
    return [fresh(inv).balance for inv in invoices]


# --- one payment over several invoices ---------------------------------------------------------------------


def test_one_check_spread_over_several_invoices_settles_each_and_keeps_the_rest_on_account(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="250.00")
    c = make_invoice(company=personas.acme, amount="75.50")
    check = payment_record(
        actor=personas.finance, company=personas.acme, amount="500.00", currency="USD", method="check", reference="Check #10442",
        allocations=[(a, "100.00"), (b, "250.00"), {"invoice": c.pk, "amount": "50.00"}],
    )  # fmt: skip
    assert statuses(a, b, c) == [Status.PAID, Status.PAID, Status.PARTIALLY_PAID]
    assert balances(a, b, c) == [D("0"), D("0"), D("25.50")]
    assert check.allocated_total == D("400.00")
    assert check.unallocated == D("100.00")
    position = company_position(personas.acme.pk, "USD")
    assert position.unallocated_payments == D("100.00")
    assert position.open_balance == D("25.50")
    (history,) = allocations_to(c)
    assert (history.payment, history.amount) == (check, D("50.00"))
    assert check.reference == "Check #10442"
    (event,) = AuditEvent.objects.filter(object_type="payments.payment", object_id=str(check.pk), action="payment.record")
    assert event.after is not None
    assert event.after["allocations"] == {str(a.pk): "100.00", str(b.pk): "250.00", str(c.pk): "50.00"}
    assert event.actor == personas.finance
    assert check_books() == []


def test_credit_left_on_account_is_used_later_for_a_new_invoice(personas):
    first = make_invoice(company=personas.acme, amount="60.00")
    payment = pay(company=personas.acme, invoices=[(first, "60.00")], amount="100.00")
    later = make_invoice(company=personas.acme, amount="70.00")
    payment_allocate(actor=personas.finance, payment=payment, allocations=[(later, "40.00")])
    payment.refresh_from_db()
    assert payment.allocated_total == D("100.00")
    assert payment.unallocated == D("0")
    assert fresh(later).status == Status.PARTIALLY_PAID
    assert fresh(later).balance == D("30.00")
    assert company_position(personas.acme.pk, "USD").unallocated_payments == D("0")
    assert Allocation.objects.filter(payment=payment).count() == 2
    assert check_books() == []


def test_a_second_allocation_from_the_same_payment_to_the_same_invoice_grows_one_row(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "30.00")], amount="100.00")
    payment_allocate(actor=None, payment=payment, allocations=[(invoice, "20.00")])
    (row,) = Allocation.objects.filter(payment=payment, invoice=invoice)
    assert row.amount == D("50.00")
    assert fresh(invoice).allocated_total == D("50.00")
    assert check_books() == []


def test_a_parent_companys_payment_may_settle_its_subsidiarys_invoices(personas):
    west = make_invoice(company=personas.acme_west, amount="40.00")
    pay(company=personas.acme, invoices=[(west, "40.00")])
    assert fresh(west).status == Status.PAID


def test_a_pending_gateway_payment_allocates_when_it_succeeds(personas):
    invoice = make_invoice(company=personas.acme, amount="80.00")
    pending = payment_record(actor=None, company=personas.acme, amount="80.00", currency="USD", method="card", status="pending")
    assert pending.unallocated == D("0")
    payment_resolve_pending(actor=None, payment=pending, status="succeeded", allocations=[(invoice, "80.00")])
    assert fresh(invoice).status == Status.PAID
    assert check_books() == []


# --- credit notes ------------------------------------------------------------------------------------------


def test_a_credit_note_for_an_invoice_is_applied_to_it_at_once(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    credit = credit_note_create(actor=personas.finance, invoice=invoice, amount="30.00")
    assert credit.kind == Kind.CREDIT_NOTE
    assert credit.number is not None
    assert credit.number.startswith("CN-")
    assert credit.status == Status.PAID  # fully applied
    assert credit.related_invoice_id == invoice.pk
    invoice = fresh(invoice)
    assert invoice.status == Status.PARTIALLY_PAID
    assert invoice.balance == D("70.00")
    (row,) = allocations_to(invoice)
    assert (row.credit_note_id, row.amount) == (credit.pk, D("30.00"))
    assert check_books() == []


def test_a_credit_note_larger_than_the_balance_leaves_the_rest_on_account_for_later(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")  # 50 of 100 paid
    credit = credit_note_create(actor=personas.finance, invoice=invoice)  # the whole invoice: 100
    assert fresh(invoice).status == Status.PAID
    credit = fresh(credit)
    assert (credit.total, credit.allocated_total, credit.balance, credit.status) == (D("100"), D("50"), D("50"), Status.PARTIALLY_PAID)
    assert company_position(personas.acme.pk, "USD").unapplied_credit_notes == D("50.00")
    other = make_invoice(company=personas.acme, amount="80.00")
    credit_note_apply(actor=personas.finance, credit_note=credit, allocations=[(other, "50.00")])
    assert fresh(credit).status == Status.PAID
    assert fresh(other).balance == D("30.00")
    assert company_position(personas.acme.pk, "USD").unapplied_credit_notes == D("0")
    assert check_books() == []


def test_a_standalone_credit_note_can_be_applied_to_several_invoices(personas):
    a = make_invoice(company=personas.acme, amount="20.00")
    b = make_invoice(company=personas.acme, amount="20.00")
    credit = credit_note_create(actor=personas.finance, company=personas.acme, lines=[line(description="Goodwill", unit_price="35.00")])
    assert credit.status == Status.OPEN  # nothing to apply to automatically
    credit_note_apply(actor=personas.finance, credit_note=credit, allocations=[(a, "20.00"), (b, "15.00")])
    assert statuses(a, b, credit) == [Status.PAID, Status.PARTIALLY_PAID, Status.PAID]
    assert check_books() == []


def test_credit_notes_for_one_invoice_never_add_up_to_more_than_its_total(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    credit_note_create(actor=None, invoice=invoice, amount="60.00")
    with pytest.raises(CreditExceedsInvoice, match=r"totals 100\.00 USD; it would be credited 100\.01 USD"):
        credit_note_create(actor=None, invoice=invoice, amount="40.01", apply=False)
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1


def test_a_credit_note_cannot_be_edited_to_credit_more_than_its_invoice(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    credit = credit_note_create(actor=None, invoice=invoice, amount="60.00", apply=False)
    with pytest.raises(CreditExceedsInvoice, match=r"totals 100\.00 USD; it would be credited 100\.01 USD"):
        invoice_update(actor=None, invoice=credit, lines=[line(unit_price="100.01")])
    assert fresh(credit).total == D("60.00")
    invoice_update(actor=None, invoice=credit, lines=[line(unit_price="100.00")])
    assert fresh(credit).total == D("100.00")


def test_an_invoice_cannot_be_edited_below_what_its_credit_notes_credit(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    credit_note_create(actor=None, invoice=invoice, amount="60.00", apply=False)
    with pytest.raises(CreditExceedsInvoice, match=r"totals 59\.99 USD; it would be credited 60\.00 USD"):
        invoice_update(actor=None, invoice=invoice, lines=[line(unit_price="59.99")])
    assert fresh(invoice).total == D("100.00")
    invoice_update(actor=None, invoice=invoice, lines=[line(unit_price="60.00")])
    assert fresh(invoice).total == D("60.00")


def test_a_credit_note_of_some_lines_copies_those_lines_with_their_vat(personas):
    invoice = make_invoice(
        company=personas.acme,
        lines=[line(unit_price="100.00", tax_rate="20", tax_category="S"), line(description="Shipping", kind="cost", unit_price="10.00")],
    )
    assert invoice.total == D("130.00")
    shipping = invoice.lines.get(line_no=2)
    widget = invoice.lines.get(line_no=1)
    credit = credit_note_create(actor=None, invoice=invoice, lines={shipping.pk: None, widget.pk: "0.5"})
    assert credit.total == D("70.00")  # 10 + 50 + 20 % of 50
    assert fresh(invoice).balance == D("60.00")


def test_an_applied_credit_note_cannot_be_canceled(personas):
    from invoice_portal.core.errors import InvoiceNotDeletable
    from invoice_portal.invoices.services import invoice_cancel

    invoice = make_invoice(company=personas.acme)
    credit = credit_note_create(actor=None, invoice=invoice, amount="10.00")
    with pytest.raises(InvoiceNotDeletable):
        invoice_cancel(actor=None, invoice=credit)


# --- refunds and reversals ------------------------------------------------------------------------------------


def test_a_refund_takes_unallocated_credit_first(personas):
    invoice = make_invoice(company=personas.acme, amount="60.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "60.00")], amount="100.00")
    payment_refund(actor=personas.finance, payment=payment, amount="40.00", reason="overpaid")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount, payment.allocated_total, payment.unallocated) == (
        PaymentStatus.PARTIALLY_REFUNDED, D("40.00"), D("60.00"), D("0"),
    )  # fmt: skip
    assert fresh(invoice).status == Status.PAID
    assert check_books() == []


def test_a_refund_beyond_unallocated_credit_releases_the_newest_allocations_and_reopens_their_invoices(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="100.00")
    c = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(a, "100.00")], amount="300.00")
    payment_allocate(actor=None, payment=payment, allocations=[(b, "100.00")])
    payment_allocate(actor=None, payment=payment, allocations=[(c, "100.00")])
    payment_refund(actor=personas.finance, payment=payment, amount="150.00", reason="returned goods")
    assert statuses(a, b, c) == [Status.PAID, Status.PARTIALLY_PAID, Status.OPEN]
    assert balances(a, b, c) == [D("0"), D("50.00"), D("100.00")]
    payment.refresh_from_db()
    assert (payment.allocated_total, payment.refunded_amount, payment.status) == (D("150.00"), D("150.00"), "partially_refunded")
    (event,) = AuditEvent.objects.filter(object_id=str(payment.pk), action="payment.refund")
    assert event.before is not None
    assert event.after is not None
    assert {k: D(v) for k, v in event.after["released"].items()} == {str(c.pk): D("100.00"), str(b.pk): D("50.00")}
    assert (D(event.before["refunded_amount"]), D(event.after["refunded_amount"])) == (D("0"), D("150.00"))
    assert check_books() == []


def test_a_full_refund_releases_everything_and_marks_the_payment_refunded(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(a, "100.00")])
    payment_refund(actor=None, payment=payment, amount="100.00")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert fresh(a).status == Status.OPEN
    assert check_books() == []


def test_a_bounced_check_is_reversed_and_every_invoice_it_paid_reopens(personas):
    a = make_invoice(company=personas.acme, amount="100.00")
    b = make_invoice(company=personas.acme, amount="50.00")
    other = pay(company=personas.acme, invoices=[(b, "10.00")])
    check = pay(company=personas.acme, invoices=[(a, "100.00"), (b, "40.00")], reference="Check #555")
    assert statuses(a, b) == [Status.PAID, Status.PAID]
    payment_reverse(actor=personas.finance, payment=check, reason="bounced")
    assert statuses(a, b) == [Status.OPEN, Status.PARTIALLY_PAID]
    assert balances(a, b) == [D("100.00"), D("40.00")]
    check.refresh_from_db()
    assert (check.status, check.allocated_total, check.reversed_at is not None) == (PaymentStatus.REVERSED, D("0"), True)
    other.refresh_from_db()
    assert other.allocated_total == D("10.00")
    # The history keeps the released rows (at zero) but the payment history shows only live money.
    assert Allocation.objects.filter(payment=check).count() == 2
    assert list(allocations_to(fresh(b))) == [Allocation.objects.get(payment=other)]
    assert check_books() == []


def test_a_reopened_invoice_can_be_edited_and_paid_again(personas):
    invoice = make_invoice(company=personas.acme, amount="100.00")
    check = pay(company=personas.acme, invoices=[(invoice, "100.00")])
    payment_reverse(actor=None, payment=check)
    invoice_update(actor=None, invoice=invoice, lines=[line(unit_price="90.00")])
    pay(company=personas.acme, invoices=[(invoice, "90.00")])
    assert fresh(invoice).status == Status.PAID
    assert check_books() == []


# --- per-line statuses and the summary ------------------------------------------------------------------------


def two_line_invoice(personas, **extra):
    return make_invoice(
        company=personas.acme,
        lines=[
            line(unit_price="100.00", tax_rate="10", tax_category="S"),
            line(description="Gadget", unit_price="50.00", tax_rate="10", tax_category="S"),
        ],
        **extra,
    )


def codes(invoice: Invoice) -> list[tuple[str, str, str]]:
    return [(v.code, v.customer_status, v.seller_status) for v in line_views(fresh(invoice))]


def test_an_unpaid_invoice_reads_new_on_every_line(personas):
    invoice = two_line_invoice(personas)
    assert codes(invoice) == [("new", "New", "New")] * 2
    assert invoice_summary_status(fresh(invoice)) == "New"
    assert [v.gross for v in line_views(fresh(invoice))] == [D("110.00"), D("55.00")]


def test_a_partial_payment_settles_lines_in_order(personas):
    invoice = two_line_invoice(personas)
    pay(company=personas.acme, invoices=[(invoice, "110.00")])
    assert codes(invoice) == [("paid", "Paid", "Payment received"), ("new", "New", "New")]
    assert invoice_summary_status(fresh(invoice)) == "Partially Paid"


def test_a_payment_short_of_the_first_line_leaves_every_line_new_and_the_line_summary_new(personas):
    """Seed 004's table 5 summarizes the lines: every line New on both sides reads New. The money shows in the
    document's own status (partially paid) and balance, not in the line summary."""
    invoice = two_line_invoice(personas)
    pay(company=personas.acme, invoices=[(invoice, "109.99")])
    assert [c[0] for c in codes(invoice)] == ["new", "new"]
    assert invoice_summary_status(fresh(invoice)) == "New"
    assert fresh(invoice).status == "partially_paid"


def test_a_paid_invoice_reads_paid_on_every_line(personas):
    invoice = two_line_invoice(personas)
    pay(company=personas.acme, invoices=[(invoice, "165.00")])
    assert [c[0] for c in codes(invoice)] == ["paid", "paid"]
    assert invoice_summary_status(fresh(invoice)) == "Paid"


def test_a_document_discount_is_shared_by_the_lines_and_the_last_line_takes_the_rounding(personas):
    invoice = make_invoice(
        company=personas.acme,
        lines=[line(unit_price="10.00", tax_rate="20", tax_category="S")] * 3,
        discount="1.00",
    )
    views = line_views(fresh(invoice))
    assert sum(v.gross for v in views) == fresh(invoice).total == D("34.80")


# --- disputes ---------------------------------------------------------------------------------------------------


def test_a_disputed_line_makes_the_invoice_read_disputed(personas):
    invoice = two_line_invoice(personas)
    pay(company=personas.acme, invoices=[(invoice, "110.00")])
    second = fresh(invoice).lines.get(line_no=2)
    dispute = dispute_open(actor=personas.alice, line=second, reason="damaged", text="Arrived broken")
    assert codes(invoice)[1] == ("disputed", "Disputed", "Disputed")
    assert codes(invoice)[0][0] == "paid"
    assert invoice_summary_status(fresh(invoice)) == "Disputed"
    assert dispute.raised_by == personas.alice
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), action="dispute.open").exists()


def test_a_line_cannot_be_disputed_twice_at_once(personas):
    invoice = two_line_invoice(personas)
    first = fresh(invoice).lines.get(line_no=1)
    dispute_open(actor=personas.alice, line=first, reason="price", text="Quoted 90")
    with pytest.raises(Conflict, match="already disputed"):
        dispute_open(actor=personas.bob, line=first, reason="price", text="Quoted 90")


def test_a_draft_or_a_credit_note_cannot_be_disputed(personas):
    draft = make_invoice(company=personas.acme, status="draft")
    with pytest.raises(Conflict):
        dispute_open(actor=personas.alice, line=draft.lines.get(), reason="other", text="?")
    credit = credit_note_create(actor=None, company=personas.acme, lines=[line()])
    with pytest.raises(Conflict):
        dispute_open(actor=personas.alice, line=credit.lines.get(), reason="other", text="?")


def test_a_dispute_needs_a_known_reason_and_a_text(personas):
    invoice = two_line_invoice(personas)
    first = fresh(invoice).lines.get(line_no=1)
    with pytest.raises(ValidationFailed, match="reason"):
        dispute_open(actor=personas.alice, line=first, reason="bored", text="x")
    with pytest.raises(ValidationFailed, match="text"):
        dispute_open(actor=personas.alice, line=first, reason="price", text="   ")


def test_a_rejected_dispute_needs_a_comment_and_clears_the_disputed_status(personas):
    invoice = two_line_invoice(personas)
    dispute = dispute_open(actor=personas.alice, line=fresh(invoice).lines.get(line_no=1), reason="price", text="Too dear")
    with pytest.raises(ValidationFailed, match="comment"):
        dispute_reject(actor=personas.finance, dispute=dispute, comment=" ")
    dispute = dispute_reject(actor=personas.finance, dispute=dispute, comment="Price as agreed in contract 7")
    assert (dispute.status, dispute.resolution_comment, dispute.resolved_by) == (
        DisputeStatus.REJECTED, "Price as agreed in contract 7", personas.finance,
    )  # fmt: skip
    assert invoice_summary_status(fresh(invoice)) == "New"
    with pytest.raises(Conflict, match="no longer open"):
        dispute_reject(actor=personas.finance, dispute=dispute, comment="again")


def test_a_dispute_resolved_by_credit_note_credits_the_line_and_closes_the_dispute(personas):
    invoice = two_line_invoice(personas)
    second = fresh(invoice).lines.get(line_no=2)
    dispute = dispute_open(actor=personas.alice, line=second, reason="damaged", text="Broken")
    dispute = dispute_resolve_by_credit(actor=personas.finance, dispute=dispute, comment="Sorry")
    assert dispute.status == DisputeStatus.CREDITED
    credit = dispute.credit_note
    assert credit is not None
    assert (credit.kind, credit.total, credit.related_invoice_id) == (Kind.CREDIT_NOTE, D("55.00"), invoice.pk)
    assert fresh(invoice).balance == D("110.00")
    # Credit settles lines in line order like money (line 1 is 110.00): no line is covered yet, so table 5 reads New;
    # the document itself is partially paid.
    assert invoice_summary_status(fresh(invoice)) == "New"
    assert fresh(invoice).status == "partially_paid"
    assert check_books() == []


def test_a_dispute_resolved_by_a_partial_credit_credits_that_amount_at_the_lines_vat(personas):
    invoice = two_line_invoice(personas)
    dispute = dispute_open(actor=personas.alice, line=fresh(invoice).lines.get(line_no=1), reason="price", text="10 too much")
    dispute = dispute_resolve_by_credit(actor=personas.finance, dispute=dispute, amount="10.00")
    assert dispute.credit_note is not None
    assert dispute.credit_note.total == D("11.00")
    assert fresh(invoice).balance == D("154.00")


def test_a_disputed_line_can_be_revised_and_the_dispute_still_points_at_it(personas):
    invoice = two_line_invoice(personas)
    second = fresh(invoice).lines.get(line_no=2)
    dispute = dispute_open(actor=personas.alice, line=second, reason="price", text="Should be 40")
    dispute_resolve_by_credit(actor=personas.finance, dispute=dispute, amount="10.00")
    invoice_update(
        actor=personas.sales,
        invoice=invoice,
        lines=[
            line(unit_price="100.00", tax_rate="10", tax_category="S"),
            line(description="Gadget", unit_price="40.00", tax_rate="10", tax_category="S"),
        ],
    )
    dispute.refresh_from_db()
    assert dispute.line_id == second.pk
    assert fresh(invoice).lines.get(line_no=2).unit_price == D("40.00")
    assert check_books() == []


def test_a_disputed_line_cannot_be_removed(personas):
    from invoice_portal.core.errors import InvoiceNotEditable

    invoice = two_line_invoice(personas)
    dispute_open(actor=personas.alice, line=fresh(invoice).lines.get(line_no=2), reason="not_received", text="Never came")
    with pytest.raises(InvoiceNotEditable, match=r"Line 2 of .* has been disputed"):
        invoice_update(actor=personas.sales, invoice=invoice, lines=[line(unit_price="100.00", tax_rate="10", tax_category="S")])
    assert fresh(invoice).lines.count() == 2
    assert fresh(invoice).version == 1
