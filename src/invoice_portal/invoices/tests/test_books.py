"""``check-books``: clean books pass; every kind of tampering through raw SQL is caught and named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from invoice_portal.audit.models import DocumentSeal
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Status
from invoice_portal.invoices.services import credit_note_create, invoice_update
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.services import payment_refund, payment_reverse
from invoice_portal.testing import line, make_invoice, pay

pytestmark = pytest.mark.django_db


@dataclass
class Books:
    draft: Invoice
    open: Invoice
    partially_paid: Invoice
    paid: Invoice
    canceled: Invoice
    credited: Invoice
    check: Payment
    refunded: Payment


@pytest.fixture
def books(personas: Any) -> Books:
    """A small but complete set of books: every status, a check over several invoices, a credit note, a refund, a reversal."""
    acme = personas.acme
    draft = make_invoice(company=acme, status="draft", lines=2)
    opened = make_invoice(company=acme, status="open", lines=[line(unit_price="80.00", tax_rate="20", tax_category="S"), line()])
    partially_paid = make_invoice(company=acme, status="open", amount="300.00")
    paid = make_invoice(company=acme, status="open", amount="120.00")
    canceled = make_invoice(company=acme, status="canceled")
    credited = make_invoice(company=acme, status="open", amount="90.00")
    credit_note_create(actor=personas.finance, invoice=credited, amount="15.00")
    check = pay(company=acme, invoices=[(partially_paid, "100.00"), (paid, "120.00")], amount="250.00", reference="Check #1")
    refunded = pay(company=acme, invoices=[(partially_paid, "50.00")], amount="60.00")
    payment_refund(actor=personas.finance, payment=refunded, amount="20.00")
    bounced = pay(company=acme, invoices=[(credited, "20.00")], reference="Check #2")
    payment_reverse(actor=personas.finance, payment=bounced, reason="bounced")
    invoice_update(actor=personas.sales, invoice=opened, notes="Revised after call")
    return Books(draft, opened, Invoice.objects.get(pk=partially_paid.pk), Invoice.objects.get(pk=paid.pk), canceled,
                 Invoice.objects.get(pk=credited.pk), check, refunded)  # fmt: skip


def tamper(sql: str, *params: int | str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def check_constraints_off(table: str, constraint: str) -> Iterator[None]:
    """Let raw SQL past one CHECK constraint, as an attacker with database access could (the test's transaction restores it)."""
    if connection.vendor == "sqlite":
        tamper("PRAGMA ignore_check_constraints = 1")
        try:
            yield
        finally:
            tamper("PRAGMA ignore_check_constraints = 0")
    else:
        tamper("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred foreign-key checks may be pending across the DDL
        tamper(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        tamper("SET CONSTRAINTS ALL DEFERRED")
        yield


def found() -> set[tuple[str, str]]:
    return {(v.object, v.rule) for v in check_books()}


def label(invoice: Invoice) -> str:
    return f"invoice {invoice.pk} ({invoice.number or 'draft'})"


def run_check_books() -> str:
    """Run the management command; return what it wrote to stderr after asserting it failed."""
    err = StringIO()
    with pytest.raises(CommandError, match=r"\d+ violation\(s\) found"):
        call_command("check_books", stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_clean_books_pass_the_check_and_the_command_exits_zero(books):
    assert {inv.status for inv in (books.draft, books.open, books.partially_paid, books.paid, books.canceled, books.credited)} == {
        Status.DRAFT, Status.OPEN, Status.PARTIALLY_PAID, Status.PAID, Status.CANCELED,
    }  # fmt: skip
    assert check_books() == []
    out = StringIO()
    call_command("check_books", stdout=out, stderr=StringIO())
    assert "Books are consistent" in out.getvalue()


def test_an_empty_database_passes_the_check(db):
    assert check_books() == []


def test_a_tampered_line_net_is_caught(books):
    tamper("UPDATE invoices_invoiceline SET net_amount = net_amount + 1 WHERE invoice_id = %s AND line_no = 2", books.open.pk)
    assert (label(books.open), "line_net") in found()
    assert f"{label(books.open)}: line_net: line 2 stores" in run_check_books()


def test_a_tampered_total_is_caught(books):
    tamper("UPDATE invoices_invoice SET total = total + 10, balance = balance + 10 WHERE id = %s", books.paid.pk)
    assert {(label(books.paid), "totals"), (label(books.paid), "tampered")} <= found()
    assert f"{label(books.paid)}: totals: total is" in run_check_books()


def test_a_tampered_draft_total_is_caught_though_drafts_are_not_sealed(books):
    tamper("UPDATE invoices_invoice SET total = total + 10, balance = balance + 10 WHERE id = %s", books.draft.pk)
    assert found() == {(label(books.draft), "totals")}


def test_the_database_refuses_a_balance_that_is_not_total_minus_allocated(books):
    with pytest.raises(IntegrityError), transaction.atomic():
        tamper("UPDATE invoices_invoice SET balance = balance - 5 WHERE id = %s", books.open.pk)
    assert check_books() == []


def test_a_tampered_balance_is_caught_even_past_the_database_constraint(books):
    with check_constraints_off("invoices_invoice", "invoice_balance_is_total_minus_allocated"):
        tamper("UPDATE invoices_invoice SET balance = balance - 5 WHERE id = %s", books.open.pk)
    assert found() == {(label(books.open), "balance")}
    assert f"{label(books.open)}: balance: balance" in run_check_books()


def test_a_tampered_allocated_total_is_caught(books):
    tamper(
        "UPDATE invoices_invoice SET allocated_total = allocated_total - 10, balance = balance + 10 WHERE id = %s", books.partially_paid.pk
    )
    assert (label(books.partially_paid), "allocated") in found()
    assert f"{label(books.partially_paid)}: allocated: stores" in run_check_books()


def test_an_allocation_beyond_the_invoice_total_is_caught(books):
    row = Allocation.objects.get(payment=books.check, invoice=books.paid)
    tamper("UPDATE payments_allocation SET amount = 500 WHERE id = %s", row.pk)
    caught = found()
    assert {(label(books.paid), "over_allocated"), (label(books.paid), "allocated")} <= caught
    assert (f"payment {books.check.pk}", "allocated") in caught
    assert f"{label(books.paid)}: over_allocated: 500" in run_check_books()


def test_a_status_inconsistent_with_the_allocations_is_caught(books):
    tamper("UPDATE invoices_invoice SET status = 'paid' WHERE id = %s", books.open.pk)
    tamper("UPDATE invoices_invoice SET status = 'open' WHERE id = %s", books.partially_paid.pk)
    assert found() == {(label(books.open), "status"), (label(books.partially_paid), "status")}
    stderr = run_check_books()
    assert f"{label(books.open)}: status: is paid, its allocations make it open" in stderr
    assert f"{label(books.partially_paid)}: status: is open, its allocations make it partially_paid" in stderr


def test_a_tampered_payment_allocated_total_is_caught(books):
    tamper("UPDATE payments_payment SET allocated_total = allocated_total - 5 WHERE id = %s", books.check.pk)
    assert found() == {(f"payment {books.check.pk}", "allocated")}
    assert f"payment {books.check.pk}: allocated: stores" in run_check_books()


def test_a_tampered_refunded_amount_is_caught(books):
    tamper("UPDATE payments_payment SET refunded_amount = refunded_amount - 5 WHERE id = %s", books.refunded.pk)
    assert (f"payment {books.refunded.pk}", "refunds") in found()


def test_a_tampered_line_description_on_an_issued_invoice_breaks_its_seal(books):
    tamper("UPDATE invoices_invoiceline SET description = 'Gold bars' WHERE invoice_id = %s", books.paid.pk)
    assert found() == {(label(books.paid), "tampered")}
    assert f"{label(books.paid)}: tampered: its stored content no longer matches its seal" in run_check_books()


def test_a_tampered_due_date_on_an_issued_invoice_breaks_its_seal(books):
    tamper("UPDATE invoices_invoice SET due_date = '2099-01-01' WHERE id = %s", books.open.pk)
    assert found() == {(label(books.open), "tampered")}


def test_a_draft_may_change_freely_because_it_is_not_sealed_yet(books):
    tamper("UPDATE invoices_invoiceline SET description = 'Gold bars' WHERE invoice_id = %s", books.draft.pk)
    assert check_books() == []


def test_a_rewritten_seal_breaks_the_chain(books):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to rewrite seals at all (see payments/tests/test_concurrency.py)")
    first = DocumentSeal.objects.order_by("pk").first()
    assert first is not None
    tamper("UPDATE audit_documentseal SET content_hash = %s WHERE id = %s", "0" * 64, first.pk)
    assert found() == {(f"seal {first.pk}", "chain")}


def test_a_removed_seal_breaks_the_chain_head(books):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to delete seals at all (see payments/tests/test_concurrency.py)")
    last = DocumentSeal.objects.order_by("pk").last()
    assert last is not None
    tamper("DELETE FROM audit_documentseal WHERE id = %s", last.pk)
    assert ("seal chain", "chain") in found()


def test_every_violation_is_reported_not_just_the_first(books):
    tamper("UPDATE invoices_invoice SET status = 'paid' WHERE id = %s", books.open.pk)
    tamper("UPDATE payments_payment SET allocated_total = allocated_total - 5 WHERE id = %s", books.check.pk)
    tamper("UPDATE invoices_invoiceline SET description = 'x' WHERE invoice_id = %s", books.credited.pk)
    stderr = run_check_books()
    assert label(books.open) in stderr
    assert f"payment {books.check.pk}" in stderr
    assert label(books.credited) in stderr
