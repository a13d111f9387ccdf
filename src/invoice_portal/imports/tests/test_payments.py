"""ERP payment batches: recorded with their allocations through ``payment_record``; a payment is never rewritten."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.audit.models import AuditEvent
from invoice_portal.imports.tests.helpers import allocation_row, errors_of, invoice_row, payment_row, run_import
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.selectors import company_position
from invoice_portal.testing import Personas, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices(personas: Personas) -> dict[str, Invoice]:
    batch = run_import(
        [
            invoice_row(external_id="ERP-1", unit_price="100.00"),
            invoice_row(external_id="ERP-2", unit_price="250.00"),
            invoice_row(external_id="ERP-3", unit_price="40.00", status="draft"),
            invoice_row(external_id="ERP-G", company="GLOBEX", unit_price="10.00"),
        ]
    )
    assert batch.status == "succeeded", batch.errors
    return {i.external_id or "": i for i in Invoice.objects.all()}


def _payments(invoices: dict[str, Invoice]) -> list[dict[str, str]]:
    return [
        payment_row(external_id="PAY-1", amount="400.00", reference="CHK 1", invoice_external_id="ERP-1", allocation_amount="100.00"),
        allocation_row(external_id="PAY-1", invoice_number=invoices["ERP-2"].number or "", allocation_amount="200.00"),
        payment_row(external_id="PAY-2", amount="5.00", method="cash", received_on="2026-11-20"),
    ]


def test_payments_are_recorded_with_their_allocations(personas: Personas, invoices: dict[str, Invoice]) -> None:
    batch = run_import(_payments(invoices), kind="payments", actor=personas.finance)

    assert batch.status == "succeeded", batch.errors
    assert batch.summary["created"] == 2
    pay1 = Payment.objects.get(external_id="PAY-1")
    assert pay1.amount == Decimal("400.00")
    assert pay1.reference == "CHK 1"
    assert pay1.allocated_total == Decimal("300.00")
    assert dict(Allocation.objects.filter(payment=pay1).values_list("invoice__external_id", "amount")) == {
        "ERP-1": Decimal("100.00"), "ERP-2": Decimal("200.00"),
    }  # fmt: skip
    statuses = dict(Invoice.objects.values_list("external_id", "status"))
    assert statuses["ERP-1"] == "paid"
    assert statuses["ERP-2"] == "partially_paid"
    assert company_position(personas.acme.pk, "USD").unallocated_payments == Decimal("105.00")
    assert AuditEvent.objects.filter(action="payment.record", channel="import", channel_ref=f"batch:{batch.pk}").count() == 2
    assert check_books() == []


def test_reimporting_payments_changes_nothing(personas: Personas, invoices: dict[str, Invoice]) -> None:
    run_import(_payments(invoices), kind="payments")
    events = AuditEvent.objects.count()

    again = run_import(_payments(invoices), kind="payments")

    assert again.status == "succeeded"
    assert again.summary["unchanged"] == 2
    assert AuditEvent.objects.count() == events
    assert Payment.objects.count() == 2


def test_a_later_file_may_allocate_more_of_a_payment(personas: Personas, invoices: dict[str, Invoice]) -> None:
    run_import(_payments(invoices), kind="payments")
    rows = _payments(invoices)
    rows[1]["allocation_amount"] = "250.00"

    batch = run_import(rows, kind="payments")

    assert batch.summary["updated"] == 1, batch.errors
    assert Invoice.objects.get(external_id="ERP-2").status == "paid"
    assert Payment.objects.get(external_id="PAY-1").allocated_total == Decimal("350.00")
    assert check_books() == []


def test_a_later_file_never_takes_an_allocation_back_or_rewrites_a_payment(personas: Personas, invoices: dict[str, Invoice]) -> None:
    run_import(_payments(invoices), kind="payments")
    rows = _payments(invoices)
    rows[1]["allocation_amount"] = "150.00"
    rows[2]["amount"] = "6.00"

    batch = run_import(rows, kind="payments")

    assert batch.status == "failed"
    assert errors_of(batch) == {(3, "allocation_amount"), (4, "amount")}


def test_two_payments_of_one_file_cannot_overpay_an_invoice(personas: Personas, invoices: dict[str, Invoice]) -> None:
    rows = [
        payment_row(external_id="P-A", amount="60.00", invoice_external_id="ERP-1", allocation_amount="60.00"),
        payment_row(external_id="P-B", amount="60.00", invoice_external_id="ERP-1", allocation_amount="60.00"),
    ]

    batch = run_import(rows, kind="payments")

    assert batch.status == "failed"
    assert errors_of(batch) == {(3, "allocation_amount")}
    assert "40.00" in batch.errors[0]["message"]
    assert not Payment.objects.exists()
    assert Invoice.objects.get(external_id="ERP-1").status == "open"


def test_allocations_must_target_live_invoices_of_the_payer(personas: Personas, invoices: dict[str, Invoice]) -> None:
    rows = [
        payment_row(external_id="P", amount="500.00", invoice_external_id="ERP-3", allocation_amount="1.00"),  # a draft
        allocation_row(external_id="P", invoice_external_id="ERP-G", allocation_amount="1.00"),  # Globex's
        allocation_row(external_id="P", invoice_external_id="NOPE", allocation_amount="1.00"),
        allocation_row(external_id="P", invoice_external_id="ERP-1"),  # no amount
        allocation_row(external_id="P", invoice_external_id="ERP-1", invoice_number="INV-1", allocation_amount="1.00"),
        allocation_row(external_id="P", invoice_external_id="ERP-2", allocation_amount="1.001"),
    ]

    batch = run_import(rows, kind="payments")

    assert errors_of(batch) == {
        (2, "invoice_external_id"), (3, "invoice_external_id"), (4, "invoice_external_id"), (5, "allocation_amount"),
        (6, "invoice_external_id"), (7, "allocation_amount"),
    }  # fmt: skip
    assert not Payment.objects.exists()


def test_allocations_beyond_the_payment_are_refused(personas: Personas, invoices: dict[str, Invoice]) -> None:
    rows = [payment_row(external_id="P", amount="50.00", invoice_external_id="ERP-1", allocation_amount="60.00")]

    batch = run_import(rows, kind="payments")

    assert batch.status == "failed"
    assert errors_of(batch) == {(2, "allocation_amount")}


def test_a_subsidiary_invoice_may_be_paid_by_the_parent(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme_west, amount="30.00")

    batch = run_import([payment_row(amount="30.00", invoice_number=invoice.number or "", allocation_amount="30.00")], kind="payments")

    assert batch.status == "succeeded", batch.errors
    invoice.refresh_from_db()
    assert invoice.status == "paid"
