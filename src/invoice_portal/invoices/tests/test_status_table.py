"""The status table of PRODUCT.md §2, row by row: what may be edited, deleted, canceled and issued in each state."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.errors import InvalidTransition, InvoiceNotDeletable, InvoiceNotEditable, TotalBelowAllocated, ValidationFailed
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, InvoiceLine, Status
from invoice_portal.invoices.services import invoice_cancel, invoice_delete, invoice_issue, invoice_update
from invoice_portal.testing import line, make_invoice, pay

pytestmark = pytest.mark.django_db

TWO_LINES = [line(description="Widget", unit_price="100.00"), line(description="Gadget", unit_price="50.00")]


@dataclass(frozen=True)
class Change:
    actor: Any
    before: dict[str, Any]
    after: dict[str, Any]


def events(invoice: Invoice, action: str) -> list[Change]:
    """The audit events of one action on an invoice, oldest first."""
    found = AuditEvent.objects.filter(object_type="invoices.invoice", object_id=str(invoice.pk), action=action).order_by("pk")
    return [Change(e.actor, e.before or {}, e.after or {}) for e in found]


def stored(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


# --- draft: editable, deletable for good, issued into a number ----------------------------------------


def test_draft_invoice_lines_can_be_edited_without_a_new_version_or_seal(personas):
    invoice = make_invoice(company=personas.acme, status="draft")
    invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    invoice = stored(invoice)
    assert invoice.total == Decimal("150.00")
    assert invoice.version == 1
    assert invoice.number is None
    assert not DocumentSeal.objects.filter(invoice=invoice).exists()


def test_draft_invoice_delete_is_a_hard_delete(personas):
    invoice = make_invoice(company=personas.acme, status="draft", lines=TWO_LINES)
    assert invoice_delete(actor=personas.sales, invoice=invoice) is None
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=invoice.pk).exists()
    (deleted,) = events(invoice, "invoice.delete")
    assert deleted.before["total"] == "150"
    assert deleted.actor == personas.sales


def test_draft_invoice_cannot_be_canceled_only_deleted(personas):
    invoice = make_invoice(company=personas.acme, status="draft")
    with pytest.raises(InvalidTransition, match="delete it instead"):
        invoice_cancel(actor=personas.sales, invoice=invoice)
    assert stored(invoice).status == Status.DRAFT


def test_draft_invoice_is_issued_with_a_number_dates_and_a_seal(personas):
    invoice = make_invoice(company=personas.acme, status="draft")
    issued = invoice_issue(actor=personas.sales, invoice=invoice)
    assert issued.status == Status.OPEN
    assert issued.number is not None
    assert issued.number.startswith("INV-")
    assert issued.issue_date is not None
    assert issued.due_date is not None
    assert (issued.due_date - issued.issue_date).days == personas.acme.payment_terms_days
    assert DocumentSeal.objects.filter(invoice=invoice, version=1).exists()
    (issue_event,) = events(invoice, "invoice.issue")
    assert issue_event.before["status"] == "draft"
    assert issue_event.after["status"] == "open"
    assert issue_event.after["number"] == issued.number


def test_draft_without_lines_cannot_be_issued(personas):
    invoice = make_invoice(company=personas.acme, status="draft", lines=[])
    with pytest.raises(ValidationFailed, match="at least one line"):
        invoice_issue(actor=personas.sales, invoice=invoice)
    assert stored(invoice).number is None


# --- open: editable with a revision, delete cancels, number kept --------------------------------------


def test_open_invoice_edit_bumps_version_reseals_and_keeps_the_books_clean(personas):
    invoice = make_invoice(company=personas.acme, status="open")
    number = invoice.number
    invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    invoice = stored(invoice)
    assert invoice.status == Status.OPEN
    assert invoice.number == number
    assert invoice.version == 2
    assert invoice.total == invoice.balance == Decimal("150.00")
    assert list(DocumentSeal.objects.filter(invoice=invoice).values_list("version", flat=True)) == [1, 2]
    assert check_books() == []


def test_open_invoice_edit_keeps_the_revision_in_the_audit_trail(personas):
    invoice = make_invoice(company=personas.acme, status="open")
    invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    (update,) = events(invoice, "invoice.update")
    assert update.actor == personas.sales
    assert [ln["description"] for ln in update.before["lines"]] == ["Item 1"]
    assert [ln["description"] for ln in update.after["lines"]] == ["Widget", "Gadget"]
    assert (update.before["total"], update.after["total"]) == ("100", "150")
    assert (update.before["version"], update.after["version"]) == (1, 2)


def test_open_invoice_delete_cancels_and_keeps_number(personas):
    invoice = make_invoice(company=personas.acme, status="open")
    result = invoice_delete(actor=personas.sales, invoice=invoice)
    assert result is not None
    invoice = stored(invoice)
    assert invoice.status == Status.CANCELED
    assert invoice.number == result.number
    assert invoice.canceled_at is not None
    next_invoice = make_invoice(company=personas.acme, status="open")
    assert next_invoice.number != invoice.number
    (cancel,) = events(invoice, "invoice.cancel")
    assert cancel.before["status"] == "open"
    assert cancel.after["status"] == "canceled"
    assert cancel.after["reason"] == "deleted"
    assert check_books() == []


def test_open_invoice_can_be_canceled(personas):
    invoice = make_invoice(company=personas.acme, status="open")
    invoice_cancel(actor=personas.finance, invoice=invoice, reason="wrong customer")
    assert stored(invoice).status == Status.CANCELED
    assert events(invoice, "invoice.cancel")[0].after["reason"] == "wrong customer"


def test_open_invoice_cannot_be_issued_again(personas):
    invoice = make_invoice(company=personas.acme, status="open")
    with pytest.raises(InvalidTransition, match="only drafts can be issued"):
        invoice_issue(actor=personas.sales, invoice=invoice)
    assert stored(invoice).number == invoice.number


# --- partially paid: editable, never below allocated; not deletable, not cancelable ---------------------


def test_partially_paid_invoice_can_be_edited_above_what_is_allocated(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    assert invoice.allocated_total == Decimal("50.00")
    invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    invoice = stored(invoice)
    assert invoice.status == Status.PARTIALLY_PAID
    assert invoice.total == Decimal("150.00")
    assert invoice.balance == Decimal("100.00")
    assert invoice.version == 2
    assert check_books() == []


def test_partially_paid_invoice_edited_down_to_what_is_allocated_becomes_paid(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    invoice_update(actor=personas.sales, invoice=invoice, lines=[line(unit_price="50.00")])
    invoice = stored(invoice)
    assert invoice.status == Status.PAID
    assert invoice.balance == Decimal("0")
    assert check_books() == []


def test_partially_paid_invoice_cannot_be_edited_below_what_is_allocated(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with pytest.raises(TotalBelowAllocated, match="below the 50"):
        invoice_update(actor=personas.sales, invoice=invoice, lines=[line(unit_price="49.99")])
    invoice = stored(invoice)
    assert invoice.total == Decimal("100.00")
    assert invoice.version == 1
    assert [ln.unit_price for ln in invoice.lines.all()] == [Decimal("100.00")]
    assert events(invoice, "invoice.update") == []


def test_partially_paid_invoice_cannot_be_discounted_below_what_is_allocated(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with pytest.raises(TotalBelowAllocated):
        invoice_update(actor=personas.sales, invoice=invoice, discount="60.00")
    assert stored(invoice).discount == Decimal("0")


def test_partially_paid_invoice_cannot_be_deleted(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with pytest.raises(InvoiceNotDeletable, match="partially paid and cannot be deleted"):
        invoice_delete(actor=personas.sales, invoice=invoice)
    assert stored(invoice).status == Status.PARTIALLY_PAID


def test_partially_paid_invoice_cannot_be_canceled(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with pytest.raises(InvoiceNotDeletable, match="only an open document"):
        invoice_cancel(actor=personas.finance, invoice=invoice)
    assert stored(invoice).status == Status.PARTIALLY_PAID


def test_partially_paid_invoice_cannot_be_issued_again(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with pytest.raises(InvalidTransition):
        invoice_issue(actor=personas.sales, invoice=invoice)


# --- paid: frozen ----------------------------------------------------------------------------------------


def test_paid_invoice_cannot_be_edited(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with pytest.raises(InvoiceNotEditable, match="paid and can no longer be edited"):
        invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    with pytest.raises(InvoiceNotEditable):
        invoice_update(actor=personas.sales, invoice=invoice, notes="header fields too")
    invoice = stored(invoice)
    assert invoice.total == Decimal("100.00")
    assert invoice.notes == ""
    assert invoice.version == 1


def test_paid_invoice_cannot_be_deleted(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with pytest.raises(InvoiceNotDeletable):
        invoice_delete(actor=personas.sales, invoice=invoice)
    assert stored(invoice).status == Status.PAID


def test_paid_invoice_cannot_be_canceled(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with pytest.raises(InvoiceNotDeletable):
        invoice_cancel(actor=personas.finance, invoice=invoice)
    assert stored(invoice).status == Status.PAID


def test_paid_invoice_cannot_be_issued_again(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with pytest.raises(InvalidTransition):
        invoice_issue(actor=personas.sales, invoice=invoice)


# --- canceled: final ------------------------------------------------------------------------------------


def test_canceled_invoice_cannot_be_edited(personas):
    invoice = make_invoice(company=personas.acme, status="canceled")
    with pytest.raises(InvoiceNotEditable, match="canceled"):
        invoice_update(actor=personas.sales, invoice=invoice, lines=TWO_LINES)
    assert stored(invoice).total == Decimal("100.00")


def test_canceled_invoice_cannot_be_deleted(personas):
    invoice = make_invoice(company=personas.acme, status="canceled")
    with pytest.raises(InvoiceNotDeletable):
        invoice_delete(actor=personas.sales, invoice=invoice)
    assert Invoice.objects.filter(pk=invoice.pk, status=Status.CANCELED).exists()


def test_canceled_invoice_cannot_be_canceled_again(personas):
    invoice = make_invoice(company=personas.acme, status="canceled")
    with pytest.raises(InvoiceNotDeletable):
        invoice_cancel(actor=personas.sales, invoice=invoice)
    assert len(events(invoice, "invoice.cancel")) == 1


def test_canceled_invoice_cannot_be_issued_again(personas):
    invoice = make_invoice(company=personas.acme, status="canceled")
    with pytest.raises(InvalidTransition, match="canceled"):
        invoice_issue(actor=personas.sales, invoice=invoice)
    assert stored(invoice).number == invoice.number


def test_canceled_invoice_is_excluded_from_balances(personas):
    from invoice_portal.payments.selectors import company_position

    make_invoice(company=personas.acme, status="open", amount="30.00")
    make_invoice(company=personas.acme, status="canceled", amount="70.00")
    assert company_position(personas.acme.pk, "USD").open_balance == Decimal("30.00")


# --- the status follows the money ------------------------------------------------------------------------


def test_invoice_becomes_paid_by_itself_when_covered_and_reopens_when_the_payment_is_reversed(personas):
    from invoice_portal.payments.services import payment_reverse

    invoice = make_invoice(company=personas.acme, status="open")
    payment = pay(company=personas.acme, invoices=[(invoice, "40.00")])
    assert stored(invoice).status == Status.PARTIALLY_PAID
    pay(company=personas.acme, invoices=[(invoice, "60.00")])
    assert stored(invoice).status == Status.PAID
    payment_reverse(actor=personas.finance, payment=payment, reason="check bounced")
    invoice = stored(invoice)
    assert invoice.status == Status.PARTIALLY_PAID
    assert invoice.balance == Decimal("40.00")
    assert check_books() == []
