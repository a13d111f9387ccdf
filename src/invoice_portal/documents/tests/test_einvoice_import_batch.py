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
from invoice_portal.documents.einvoice.parse import Address, Contact, Identifier, Party, parse_einvoice
from invoice_portal.documents.einvoice.selectors import UnknownBuyer, companies_for_buyers, company_for_buyer
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


def _buyer(name: str, *, ids: tuple[str, ...] = (), vat_id: str = "", endpoint: tuple[str, str] | None = None) -> Party:
    return Party(
        name=name, trading_name="", identifiers=tuple(Identifier(i, "") for i in ids), vat_id=vat_id, tax_registration_id="",
        legal_id=None, endpoint=Identifier(endpoint[1], endpoint[0]) if endpoint else None, address=Address(), contact=Contact(),
    )  # fmt: skip


def test_a_batch_finds_each_buyer_the_way_one_by_one_does_in_one_query_per_way(
    customer: Company, django_assert_max_num_queries: Any
) -> None:
    by_vat = make_company(name="By VAT", tax_id="fr 12 345")
    by_peppol = make_company(name="By Peppol", peppol_scheme="0088", peppol_id="4012345000009")
    by_email = make_company(name="By email", email="AP@Email.test")
    buyers = [
        _buyer("Kunde", ids=("nope", "K-1"), vat_id="FR12345"),  # the external id wins over the VAT id
        _buyer("Vat", ids=("nope",), vat_id="FR 12 345"),  # VAT ids compared without spaces, in any case
        _buyer("Peppol", endpoint=("0088", "4012345000009")),
        _buyer("Email", vat_id="XX1", endpoint=("EM", "ap@email.TEST")),
        _buyer("Kunde again", endpoint=("9930", "de999999999")),
    ]
    with django_assert_max_num_queries(4):
        found = companies_for_buyers(buyers)
    assert found == [customer, by_vat, by_peppol, by_email, customer]
    assert [company_for_buyer(b) for b in buyers] == found


def test_a_batch_refuses_the_first_buyer_that_names_no_customer_or_several(customer: Company) -> None:
    make_company(name="Twin 1", tax_id="BE0123")
    make_company(name="Twin 2", tax_id="be0123")
    unknown = _buyer("Nobody GmbH", ids=("X-9",), endpoint=("0088", "1"))
    twins = _buyer("Twins", vat_id="BE0123")
    with pytest.raises(UnknownBuyer, match=r"No customer matches the buyer Nobody GmbH \(external id X-9; electronic address 0088:1\)"):
        companies_for_buyers([_buyer("Kunde", ids=("K-1",)), unknown, twins])
    with pytest.raises(UnknownBuyer, match="Several customers have the VAT id BE0123"):
        companies_for_buyers([twins, unknown])
    for buyer in (unknown, twins):  # the same words as the look-up of one buyer
        with pytest.raises(UnknownBuyer) as one:
            company_for_buyer(buyer)
        with pytest.raises(UnknownBuyer) as batch:
            companies_for_buyers([_buyer("Kunde", ids=("K-1",)), buyer])
        assert str(one.value) == str(batch.value)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_holds_the_garbage_collector_off_and_leaves_it_as_it_found_it_even_when_it_fails(customer: Company, enabled: bool) -> None:
    import gc
    from unittest import mock

    from invoice_portal.imports import bulk

    first, second, _ = _originals(customer)
    ok, taken = renumbered(first, "ERP-G-1"), renumbered(second, "ERP-G-1")
    seen: list[bool] = []
    write = bulk.rows_insert

    def spy(*args: Any, **kwargs: Any) -> None:
        seen.append(gc.isenabled())
        write(*args, **kwargs)

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with mock.patch.object(bulk, "rows_insert", spy):
            issued_einvoices_store(actor=None, documents=[(ok, parse_einvoice(ok))])
        assert seen
        assert not any(seen)  # paused while the documents were written
        assert gc.isenabled() is enabled
        with pytest.raises(Conflict):
            issued_einvoices_store(actor=None, documents=[(taken, parse_einvoice(taken))])
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_stored_batch_is_freed_as_soon_as_the_caller_lets_go_of_it(customer: Company) -> None:
    """No reference cycle ties a stored document to its lines (``imports.bulk`` primes them for the seal, then lets
    them go): with the cyclic collector off, dropping the answers frees the documents."""
    import gc
    import weakref

    first, second, _ = _originals(customer)
    documents = [renumbered(first, "ERP-W-1"), renumbered(second, "ERP-W-2")]
    was = gc.isenabled()
    gc.disable()
    try:
        answers = issued_einvoices_store(actor=None, documents=[(x, parse_einvoice(x)) for x in documents])
        assert all(a.invoice.lines.count() > 0 for a in answers)  # still read from the database when asked
        refs = [weakref.ref(a.invoice) for a in answers]
        del answers
        assert [ref() for ref in refs] == [None, None]
    finally:
        (gc.enable if was else gc.disable)()
