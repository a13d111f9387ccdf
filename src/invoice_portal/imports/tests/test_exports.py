"""CSV exports: exactly the filtered list, streamed, with spreadsheet formulas neutralized."""

from __future__ import annotations

import csv
import datetime as dt
import inspect
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from invoice_portal.companies.models import Company
from invoice_portal.imports import exports
from invoice_portal.imports.exports import csv_chunks, invoice_csv, invoice_rows, neutralize, payment_csv, payment_rows
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoices_visible_to
from invoice_portal.invoices.services import credit_note_create, dispute_open
from invoice_portal.payments.models import Payment
from invoice_portal.payments.selectors import PaymentFilters, payment_filter
from invoice_portal.testing import Personas, line, make_company, make_invoice, make_order, pay

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


# --- The database's writer (COPY on PostgreSQL) makes the Python writer's bytes --------------------

AWKWARD_TEXTS = [
    "=1+2", "+33 1 23", "-42", "@SUM(A1)", "\tTAB", "\rCR", "'quoted already", "a=b", "PO, 1", 'say "hi"', '"', ",",
    "two\nlines", "win\r\nlines", "trailing\n", " padded ", "Ünïcödé € 日本", "back\\slash", "\\.", "=", "",
]  # fmt: skip


def _python_bytes(rows: Iterable[list[str]]) -> bytes:
    return "".join(csv_chunks(rows)).encode()


def _varied_documents(p: Personas) -> None:
    """Documents in 0-, 2-, 3- and 4-digit currencies, in every status, with empty optional fields,
    credit notes, disputes, orders, and every kind of awkward text and amount."""
    yen = make_company(name="Nippon, K.K.", external_id="=JP", currency="JPY")
    dinar = make_company(name='Kuwait "Trading"', external_id="+KW", currency="KWD")
    unidad = make_company(name="Unidad\nde Fomento", external_id="-CL", currency="CLF")
    evil = make_company(name='=HYPERLINK("http://x","click")', external_id="@EVIL")
    order = make_order(company=p.acme, external_id="=ORDER,1")
    make_invoice(company=yen, lines=[line(unit_price="1200", tax_rate="10")])
    make_invoice(company=dinar, lines=[line(unit_price="12.345", tax_rate="5")], po_number="PO, 1", status="partially_paid")
    make_invoice(company=unidad, lines=[line(unit_price="1.2345", quantity="3")])
    make_invoice(company=evil, lines=[line(unit_price="12.50")], po_number="+1-555", external_id="-42", source="erp")
    make_invoice(company=p.acme, status="draft")  # no number, no dates
    make_invoice(company=p.acme, status="paid", order=order)
    make_invoice(company=p.acme, status="canceled")
    make_invoice(company=p.acme_west, issue_date=dt.date(2020, 1, 1), amount="99.99")  # overdue
    credited = make_invoice(company=p.globex, amount="250.00", lines=2)
    credit_note_create(actor=None, invoice=credited, lines={credited.lines.order_by("line_no").first().pk: None})  # type: ignore[union-attr]
    disputed = make_invoice(company=p.acme, amount="40.00")
    dispute_open(actor=None, line=disputed.lines.get(), reason="price", text="too much")
    # Stored values the services would not write, but an export must still write as Python does.
    texts = iter(AWKWARD_TEXTS)
    for invoice in Invoice.objects.order_by("pk"):
        Invoice.objects.filter(pk=invoice.pk).update(po_number=next(texts, ""), external_id=next(texts, None))
    yen_invoice = Invoice.objects.get(currency="JPY")
    Invoice.objects.filter(pk=yen_invoice.pk).update(line_net_total=Decimal("1000.5000"), tax_total=Decimal("-0.4000"))
    Invoice.objects.filter(currency="KWD").update(tax_total=Decimal("1.2345"), line_net_total=Decimal("-0.0005"))
    Invoice.objects.filter(currency="USD", status="open").update(
        line_net_total=Decimal("-118.0000"), tax_total=Decimal("-0.0040"), tax_exclusive_total=Decimal("0.0050"),
        allowance_total=Decimal("-0.0050"),
    )  # fmt: skip
    pay(company=dinar, invoices=[], amount="5.125", currency="KWD", method="cash", reference="=cmd|' /C calc'!A0")
    pay(company=yen, invoices=[], amount="700", currency="JPY", method="wire", reference='two\nlines, "quoted"')


@pytest.mark.postgres
def test_the_database_writes_the_exports_byte_for_byte_as_python_does(personas: Personas) -> None:
    _varied_documents(personas)
    invoices = invoice_list(Invoice.objects.all(), InvoiceFilters())
    payments = payment_filter(Payment.objects.all(), PaymentFilters())

    written = b"".join(invoice_csv(invoices))

    assert written == _python_bytes(invoice_rows(invoices))
    assert len(_parse([written.decode()])) == Invoice.objects.count() == 11
    assert b"".join(payment_csv(payments)) == _python_bytes(payment_rows(payments))


@pytest.mark.postgres
def test_the_database_writes_each_filtered_list_as_python_does(personas: Personas) -> None:
    p = personas
    _varied_documents(p)
    scope = invoices_visible_to(p.finance, "portal.export")
    filters = [
        InvoiceFilters(customer="ACME"), InvoiceFilters(status="paid"), InvoiceFilters(overdue=True), InvoiceFilters(disputed=True),
        InvoiceFilters(sort="total"), InvoiceFilters(company_id=p.acme.pk, sort="-balance"), InvoiceFilters(number="INV"),
        InvoiceFilters(issued_to=dt.date(2021, 1, 1)), InvoiceFilters(sort="customer"), InvoiceFilters(kind="credit_note"),
        InvoiceFilters(order="=ORDER,1"), InvoiceFilters(customer="nobody at all"),
    ]  # fmt: skip

    for f in filters:
        invoices = invoice_list(scope, f)
        assert b"".join(invoice_csv(invoices)) == _python_bytes(invoice_rows(invoices)), f
    for user in (p.bob, p.charlie):  # Charlie's scope is .none(): no query at all, just the header
        invoices = invoice_list(invoices_visible_to(user, "portal.export"), InvoiceFilters())
        assert b"".join(invoice_csv(invoices)) == _python_bytes(invoice_rows(invoices)), user
    for pf in (PaymentFilters(customer="Nippon"), PaymentFilters(method="cash"), PaymentFilters(sort="amount")):
        payments = payment_filter(Payment.objects.all(), pf)
        assert b"".join(payment_csv(payments)) == _python_bytes(payment_rows(payments)), pf


def test_the_export_files_are_generators_that_read_nothing_before_the_first_chunk(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    make_invoice(company=personas.acme, amount="12.00")
    invoices = invoice_list(invoices_visible_to(personas.finance), InvoiceFilters())

    with django_assert_max_num_queries(0):
        chunks = invoice_csv(invoices)
        payment_chunks = payment_csv(payment_filter(Payment.objects.all(), PaymentFilters()))
    assert b"".join(chunks) == _python_bytes(invoice_rows(invoices))
    assert inspect.isgenerator(chunks)
    assert inspect.isgenerator(payment_chunks)


def _leave_early(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Read the first chunk of an export the database is still writing, then go, as a client that disconnects does.

    PostgreSQL sends COPY data in 8 kB blocks: 40 rows of some 500 bytes, each taking 20 ms to pass the filter, and
    nested loops to pass each on at once (a hash join would filter them all first), keep it writing for a while."""
    company = make_company(name="A company with a name long enough to fill a CSV row quickly, " * 3)
    for i in range(40):
        make_invoice(company=company, amount=f"{i + 1}.00", po_number=f"PO-{i:03d}-" + "x" * 90, external_id=f"X-{i:03d}-" + "y" * 90)
    slow = Invoice.objects.alias(slow=RawSQL("pg_sleep(0.02) IS NOT NULL", (), output_field=BooleanField())).filter(slow=True)
    monkeypatch.setattr(exports, "CHUNK_BYTES", 1)  # a chunk per row
    with connection.cursor() as cursor:
        cursor.execute("SET enable_hashjoin = off")
        cursor.execute("SET enable_mergejoin = off")
    try:
        chunks = invoice_csv(invoice_list(slow, InvoiceFilters()).order_by())
        first = next(chunks)
        assert connection.connection.info.transaction_status.name == "ACTIVE"  # the COPY is still running
        chunks.close()  # what StreamingHttpResponse.close() does when the client disconnects
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_hashjoin")
            cursor.execute("RESET enable_mergejoin")
    return first


@pytest.mark.postgres
def test_a_client_leaving_mid_export_leaves_the_transaction_usable(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _leave_early(monkeypatch)

    assert first.count(b"\r\n") == 2  # the header and one row
    assert connection.connection.info.transaction_status.name == "INTRANS"  # not INERROR: the cancelled COPY is rolled back
    assert Invoice.objects.count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_client_leaving_mid_export_leaves_the_connection_idle(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    _leave_early(monkeypatch)

    assert connection.connection.info.transaction_status.name == "IDLE"
    assert Invoice.objects.count() == 40
