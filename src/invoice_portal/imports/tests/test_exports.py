"""CSV exports: exactly the filtered list, streamed, with spreadsheet formulas neutralized."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
from collections.abc import Iterable
from typing import Any

import pytest

from invoice_portal.companies.models import Company
from invoice_portal.imports.exports import csv_chunks, invoice_rows, neutralize, payment_rows
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoices_visible_to
from invoice_portal.invoices.services import dispute_open
from invoice_portal.payments.models import Payment
from invoice_portal.payments.selectors import PaymentFilters, payment_filter
from invoice_portal.testing import Personas, line, make_company, make_invoice, pay

pytestmark = pytest.mark.django_db


def _parse(chunks: Iterable[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(chunks))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+33 1 23", "'+33 1 23"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("ACME", "ACME"), ("a=b", "a=b"), ("", "")],
)  # fmt: skip
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(value: str, expected: str) -> None:
    assert neutralize(value) == expected


def test_stored_text_that_looks_like_a_formula_is_neutralized_in_the_export(personas: Personas) -> None:
    evil = make_company(name='=HYPERLINK("http://x","click")', external_id="@EVIL")
    make_invoice(company=evil, lines=[line(description="x", unit_price="12.50")], po_number="+1-555", external_id="-42", source="erp")

    [row] = _parse(csv_chunks(invoice_rows(invoice_list(invoices_visible_to(personas.finance), InvoiceFilters()))))

    assert row["company_name"] == '\'=HYPERLINK("http://x","click")'
    assert row["company_external_id"] == "'@EVIL"
    assert row["po_number"] == "'+1-555"
    assert row["external_id"] == "'-42"
    assert row["total"] == "12.50"
    assert row["balance"] == "12.50"


def test_the_invoice_export_holds_exactly_the_filtered_list(personas: Personas) -> None:
    p = personas
    old = make_invoice(company=p.acme, issue_date=dt.date(2020, 1, 1), amount="10.00")  # overdue
    paid = make_invoice(company=p.acme, status="paid", amount="20.00")
    make_invoice(company=p.globex, amount="30.00")
    make_invoice(company=p.acme, status="draft")
    disputed = make_invoice(company=p.acme_west, amount="40.00")
    dispute_open(actor=None, line=disputed.lines.get(), reason="price", text="too much")
    scope = invoices_visible_to(p.finance, "portal.export")
    filters = [
        InvoiceFilters(), InvoiceFilters(customer="ACME"), InvoiceFilters(status="paid"), InvoiceFilters(overdue=True),
        InvoiceFilters(disputed=True), InvoiceFilters(sort="total"), InvoiceFilters(company_id=p.acme.pk, sort="-balance"),
        InvoiceFilters(issued_to=dt.date(2021, 1, 1)), InvoiceFilters(status="draft"),
    ]  # fmt: skip

    for f in filters:
        rows = _parse(csv_chunks(invoice_rows(invoice_list(scope, f))))
        assert [int(r["id"]) for r in rows] == list(invoice_list(scope, f).values_list("pk", flat=True)), f

    every = {int(r["id"]): r for r in _parse(csv_chunks(invoice_rows(invoice_list(scope, InvoiceFilters()))))}
    assert every[old.pk]["overdue"] == "true"
    assert every[paid.pk]["overdue"] == "false"
    assert every[disputed.pk]["disputed"] == "true"
    assert every[paid.pk]["status"] == "paid"
    assert every[paid.pk]["balance"] == "0.00"


def test_a_buyer_exports_only_what_the_buyer_may_export(personas: Personas) -> None:
    p = personas
    acme = make_invoice(company=p.acme)
    make_invoice(company=p.globex)

    def ids(user: object) -> set[int]:
        rows = _parse(csv_chunks(invoice_rows(invoice_list(invoices_visible_to(user, "portal.export"), InvoiceFilters()))))
        return {int(r["id"]) for r in rows}

    assert ids(p.bob) == {acme.pk}
    assert ids(p.charlie) == set()  # Charlie, at Globex, sees nothing of ACME's (and has no order of his own)


def test_money_is_written_with_the_currency_s_digits(personas: Personas) -> None:
    yen = Company.objects.create(name="Nippon", external_id="JP", currency="JPY")
    make_invoice(company=yen, lines=[line(unit_price="1200")])

    [row] = _parse(csv_chunks(invoice_rows(invoice_list(invoices_visible_to(personas.finance), InvoiceFilters()))))

    assert row["currency"] == "JPY"
    assert row["total"] == "1200"


def test_the_payment_export_holds_exactly_the_filtered_list(personas: Personas) -> None:
    p = personas
    invoice = make_invoice(company=p.acme, amount="100.00")
    first = pay(company=p.acme, invoices=[(invoice, "60.00")], amount="80.00", reference="=cmd|' /C calc'!A0", method="check")
    pay(company=p.globex, invoices=[], amount="5.00", method="cash")

    for f in (PaymentFilters(), PaymentFilters(customer="ACME"), PaymentFilters(method="cash"), PaymentFilters(sort="amount")):
        payments = payment_filter(Payment.objects.all(), f)
        rows = _parse(csv_chunks(payment_rows(payments)))
        assert [int(r["id"]) for r in rows] == list(payments.values_list("pk", flat=True))

    [row] = _parse(csv_chunks(payment_rows(payment_filter(Payment.objects.all(), PaymentFilters(payment_id=first.pk)))))
    assert row["reference"] == "'=cmd|' /C calc'!A0"
    assert (row["amount"], row["allocated_total"], row["unallocated"]) == ("80.00", "60.00", "20.00")


def test_exports_are_generators_over_a_chunked_cursor(personas: Personas, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        make_invoice(company=personas.acme, amount=f"{i + 1}.00")
    invoices = invoice_list(invoices_visible_to(personas.finance), InvoiceFilters())

    rows = invoice_rows(invoices, chunk_size=7)
    chunks = csv_chunks(rows, rows_per_chunk=10)

    with django_assert_max_num_queries(1):
        first = next(chunks)  # nothing is read before the first chunk is asked for, and then one query
    assert first.count("\n") == 10
    assert sum(c.count("\n") for c in chunks) == 21  # header + 30 rows in all
    assert inspect.isgenerator(rows)
    assert inspect.isgenerator(chunks)
