"""Many e-invoices at once (``issued_einvoices_store``): the bulk path of the CSV import stores exactly what the
one-by-one path stores, keeps each document's number, answers a repeated document as the one-by-one path does, and
is all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.intake import issued_einvoice_store, issued_einvoices_store
from invoice_portal.documents.einvoice.parse import parse_einvoice
from invoice_portal.documents.selectors import original_of
from invoice_portal.documents.tests.einvoice_helpers import renumbered
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.testing import database_state, line, make_company, make_invoice, make_order

pytestmark = pytest.mark.django_db

FIELDS = (
    "kind", "direction", "source", "status", "company_id", "order_id", "currency", "issue_date", "due_date", "po_number", "notes",
    "payment_instructions", "discount", "line_net_total", "tax_exclusive_total", "tax_total", "total", "balance", "version",
    "seller_snapshot",
)  # fmt: skip
LINE_FIELDS = ("line_no", "kind", "description", "sku", "quantity", "unit_code", "unit_price", "discount", "tax_category", "tax_rate",
               "net_amount")  # fmt: skip


@pytest.fixture(autouse=True)
def _seller(eu_seller: PortalSettings) -> None:
    """Our seller, whom the ERP's documents name as their seller."""


@pytest.fixture
def customer() -> Company:
    return make_company(
        name="Kunde AG", currency="EUR", external_id="K-1", tax_id="DE999999999", peppol_scheme="9930", peppol_id="DE999999999",
        email="ap@kunde.test", country="DE", address_line1="Weg 1", city="Köln", postal_code="50667",
    )  # fmt: skip


def _originals(customer: Company) -> list[Invoice]:
    order = make_order(company=customer, external_id="SO-9")
    return [
        make_invoice(company=customer, currency="EUR", notes="Thank you", discount="5.00", discount_tax_category="S",
                     discount_tax_rate="19",
                     lines=[line(description="Consulting", quantity="3", unit_price="120.00", tax_rate="19", discount="10.00"),
                            line(description="Travel", quantity="1.5", unit_price="80.0050", tax_rate="7", unit_code="HUR")]),
        make_invoice(company=customer, currency="EUR", lines=[line(description="Widget", quantity="2", unit_price="9.90", tax_rate="19")]),
        make_invoice(company=customer, currency="EUR", order=order, lines=[line(description="Ordered", unit_price="50", tax_rate="19")]),
    ]  # fmt: skip


def _stored(invoice: Invoice) -> tuple[Any, ...]:
    invoice = Invoice.objects.get(pk=invoice.pk)
    lines = [tuple(getattr(ln, f) for f in LINE_FIELDS) for ln in invoice.lines.order_by("line_no")]
    actions = list(
        AuditEvent.objects.filter(object_type="invoices.invoice", object_id=str(invoice.pk)).order_by("pk").values_list("action", "channel")
    )
    original = original_of(invoice)
    assert original is not None
    return (tuple(getattr(invoice, f) for f in FIELDS), lines, actions, bytes(original.content), original.content_type,
            DocumentSeal.objects.filter(invoice=invoice).count())  # fmt: skip


def test_the_batch_stores_what_the_one_by_one_path_stores(customer: Company) -> None:
    PortalSettings.objects.update(invoices_per_order="many")  # the order is invoiced by the original, then by both imports
    originals = _originals(customer)
    singles = [renumbered(o, f"ERP-A-{i}") for i, o in enumerate(originals)]
    xmls = [renumbered(o, f"ERP-B-{i}") for i, o in enumerate(originals)]
    one_by_one = [issued_einvoice_store(actor=None, xml=x, doc=parse_einvoice(x)) for x in singles]

    batch = issued_einvoices_store(actor=None, documents=[(x, parse_einvoice(x)) for x in xmls])

    assert [r.created for r in batch] == [True, True, True]
    assert [r.invoice.number for r in batch] == ["ERP-B-0", "ERP-B-1", "ERP-B-2"]
    for single, many, xml in zip(one_by_one, batch, xmls, strict=True):
        a, b = _stored(single.invoice), _stored(many.invoice)
        assert a[0] == b[0]
        assert a[1:3] == b[1:3]
        assert b[3] == xml
        assert b[4:] == a[4:]
    assert batch[2].invoice.order is not None
    assert batch[2].invoice.order == one_by_one[2].invoice.order
    assert check_books() == []


def test_a_repeated_document_answers_the_stored_one_and_a_taken_number_fails_the_whole_batch(customer: Company) -> None:
    first, second, _ = _originals(customer)
    xml = renumbered(first, "ERP-C-1")
    stored = issued_einvoices_store(actor=None, documents=[(xml, parse_einvoice(xml)), (xml, parse_einvoice(xml))])
    assert [r.created for r in stored] == [True, False]
    assert stored[0].invoice.pk == stored[1].invoice.pk

    before = database_state()
    other = renumbered(second, "ERP-C-1")  # another document with that number
    fresh = renumbered(second, "ERP-C-2")
    with pytest.raises(Conflict):
        issued_einvoices_store(actor=None, documents=[(fresh, parse_einvoice(fresh)), (other, parse_einvoice(other))])
    assert database_state() == before
    assert not Invoice.objects.filter(number="ERP-C-2").exists()
