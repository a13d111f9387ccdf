"""Bad input to invoice documents gets a typed domain error with a clear message, and nothing is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_portal.core.errors import (
    InvalidAmount,
    InvalidCurrency,
    InvalidTransition,
    InvoiceNotDeletable,
    InvoiceNotEditable,
    TotalBelowAllocated,
    ValidationFailed,
)
from invoice_portal.invoices.services import invoice_create, invoice_delete, invoice_issue, invoice_update
from invoice_portal.testing import line, make_invoice, refused

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("unit_price", "-1.00", "must not be negative", id="negative-price"),
        pytest.param("unit_price", "1.00001", "more than 4 decimal places", id="over-precise-price"),
        pytest.param("unit_price", "NaN", "not a finite number", id="nan-price"),
        pytest.param("unit_price", "Infinity", "not a finite number", id="infinite-price"),
        pytest.param("unit_price", 9.99, "not floating point", id="float-price"),
        pytest.param("unit_price", None, "is not a number", id="missing-price"),
        pytest.param("quantity", "-2", "must not be negative", id="negative-quantity"),
        pytest.param("quantity", "0", "above zero", id="zero-quantity"),
        pytest.param("quantity", 1.5, "not floating point", id="float-quantity"),
        pytest.param("quantity", "0.00001", "more than 4 decimal places", id="over-precise-quantity"),
        pytest.param("discount", "-1.00", "must not be negative", id="negative-discount"),
        pytest.param("discount", "0.001", "more than 2 decimal places", id="over-precise-discount"),
        pytest.param("discount", "100.01", "larger than the line amount", id="discount-above-line"),
        pytest.param("tax_rate", "-5", "must not be negative", id="negative-rate"),
        pytest.param("tax_rate", "120", "between 0 and 100", id="rate-above-100"),
        pytest.param("tax_rate", 19.0, "not floating point", id="float-rate"),
        pytest.param("tax_category", "X", "not a VAT category", id="unknown-category"),
        pytest.param("description", "  ", "needs a description", id="blank-description"),
        # BR-CL-23: a unit EN 16931 does not know would make every e-invoice of the document fail validation.
        pytest.param("unit_code", "ABC", "'ABC' is not a UN/ECE unit code", id="unknown-unit"),
        pytest.param("unit_code", "pcs", "'pcs' is not a UN/ECE unit code", id="free-text-unit"),
        pytest.param("unit_code", "KGMX", "'KGMX' is not a UN/ECE unit code", id="overlong-unit-not-cut-short"),
    ],
)
def test_a_bad_line_is_refused_on_create_and_on_edit_and_nothing_is_written(personas, field, value, message):
    bad = {**line(unit_price="100.00", tax_rate="20", tax_category="S"), field: value}
    with refused(ValidationFailed, message):
        invoice_create(actor=None, company=personas.acme, lines=[line(), bad])
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with refused(ValidationFailed, message):
        invoice_update(actor=None, invoice=invoice, lines=[line(), bad])


def test_a_zero_rated_category_with_a_rate_is_refused(personas):
    with refused(ValidationFailed, "carries a 0 % rate"):
        invoice_create(actor=None, company=personas.acme, lines=[line(tax_category="Z", tax_rate="20")])


def test_a_line_amount_beyond_what_can_be_stored_is_refused(personas):
    huge = line(quantity="999999999", unit_price="999999999.9999")
    with refused(InvalidAmount, r"lines\[0\]: \$999,999,998,999,900,000.00 is above this installation's maximum"):
        invoice_create(actor=None, company=personas.acme, lines=[huge])
    invoice = make_invoice(company=personas.acme)
    with refused(InvalidAmount, "above this installation's maximum"):
        invoice_update(actor=None, invoice=invoice, lines=[huge])


def test_lines_adding_up_beyond_what_can_be_stored_are_refused(personas):
    big = line(quantity="1", unit_price="600000000.00")
    with refused(InvalidAmount, r"lines: \$1,200,000,000.00 is above this installation's maximum of \$999,999,999.99"):
        invoice_create(actor=None, company=personas.acme, lines=[big, big])


def test_the_installation_maximum_is_a_setting(personas, settings):
    settings.MONEY_MAX_AMOUNT = "1000.00"
    with refused(InvalidAmount, r"\$1,000.01 is above this installation's maximum of \$1,000.00"):
        invoice_create(actor=None, company=personas.acme, lines=[line(quantity="1", unit_price="1000.01")])
    assert invoice_create(actor=None, company=personas.acme, lines=[line(quantity="1", unit_price="1000.00")]).total == Decimal("1000.00")


def test_unknown_line_fields_are_refused_rather_than_ignored(personas):
    with refused(ValidationFailed, "unknown fields total"):
        invoice_create(actor=None, company=personas.acme, lines=[{**line(), "total": "1.00"}])


@pytest.mark.parametrize("lines", [None, "Widget", 42, {"description": "Widget"}])
def test_lines_that_are_not_a_list_are_refused(personas, lines):
    with refused(ValidationFailed, "lines"):
        invoice_create(actor=None, company=personas.acme, lines=lines)


def test_an_unknown_currency_is_refused(personas):
    with refused(InvalidCurrency, "not an ISO 4217"):
        invoice_create(actor=None, company=personas.acme, lines=[line()], currency="XYZ")
    with refused(InvalidCurrency, "not an ISO 4217"):
        invoice_create(actor=None, company=personas.acme, lines=[line()], currency="usd")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"discount": "-5"}, "must not be negative"),
        ({"discount": "NaN"}, "not a finite number"),
        ({"discount": "0.005"}, "more than 2 decimal places"),
        ({"discount": "150.00", "discount_tax_category": "Z", "discount_tax_rate": "0"}, "larger than the sum of the lines"),
        ({"due_date": "2026-13-01"}, "is not a date"),
        ({"issue_date": "2026-11-10", "due_date": "2026-11-01"}, "before the issue date"),
        ({"total": "5.00"}, "Unknown invoice fields: total"),
    ],
)
def test_bad_header_fields_are_refused_and_nothing_is_written(personas, header, message):
    with refused(ValidationFailed, message):
        invoice_create(actor=None, company=personas.acme, lines=[line()], **header)
    invoice = make_invoice(company=personas.acme)
    with refused(ValidationFailed, message):
        invoice_update(actor=None, invoice=invoice, **header)


def test_editing_a_paid_invoice_is_refused_and_nothing_is_written(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with refused(InvoiceNotEditable, "is paid and can no longer be edited"):
        invoice_update(actor=None, invoice=invoice, lines=[line(unit_price="500.00")])


def test_editing_a_canceled_invoice_is_refused_and_nothing_is_written(personas):
    invoice = make_invoice(company=personas.acme, status="canceled")
    with refused(InvoiceNotEditable, "is canceled and can no longer be edited"):
        invoice_update(actor=None, invoice=invoice, notes="revived")


def test_editing_a_partially_paid_invoice_below_what_is_allocated_is_refused(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with refused(TotalBelowAllocated, "new total 10.00 is below the 50.00 USD already allocated"):
        invoice_update(actor=None, invoice=invoice, lines=[line(unit_price="10.00")])


def test_deleting_a_partially_paid_invoice_is_refused_and_nothing_is_written(personas):
    invoice = make_invoice(company=personas.acme, status="partially_paid")
    with refused(InvoiceNotDeletable, "is partially paid and cannot be deleted"):
        invoice_delete(actor=None, invoice=invoice)


def test_deleting_a_paid_invoice_is_refused_and_nothing_is_written(personas):
    invoice = make_invoice(company=personas.acme, status="paid")
    with refused(InvoiceNotDeletable, "is paid and cannot be deleted"):
        invoice_delete(actor=None, invoice=invoice)


def test_removing_every_line_of_an_issued_invoice_is_refused(personas):
    invoice = make_invoice(company=personas.acme)
    with refused(ValidationFailed, "keeps at least one line"):
        invoice_update(actor=None, invoice=invoice, lines=[])


def test_issuing_twice_is_refused_and_burns_no_number(personas):
    invoice = make_invoice(company=personas.acme)
    with refused(InvalidTransition, "only drafts can be issued"):
        invoice_issue(actor=None, invoice=invoice)


def test_issuing_a_draft_without_lines_burns_no_number(personas):
    draft = make_invoice(company=personas.acme, status="draft", lines=[])
    with refused(ValidationFailed, "at least one line"):
        invoice_issue(actor=None, invoice=draft)
    assert str(make_invoice(company=personas.acme).number).endswith("000001")
