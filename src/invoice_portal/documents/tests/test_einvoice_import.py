"""Issued side of the e-invoice import: an invoice the ERP issued, as UBL or CII, becomes our issued document
(validated officially, mapped through the invoice services, its original kept), idempotently by number."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict, CreditExceedsInvoice, OrderAlreadyInvoiced
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice import reading as reading_module
from invoice_portal.documents.einvoice.cii import invoice_cii
from invoice_portal.documents.einvoice.intake import ForeignSeller, issued_einvoice_import
from invoice_portal.documents.einvoice.mapping import EInvoiceNotImportable
from invoice_portal.documents.einvoice.parse import EInvoiceRefused
from invoice_portal.documents.einvoice.reading import EInvoiceNotValid
from invoice_portal.documents.einvoice.selectors import UnknownBuyer
from invoice_portal.documents.models import DocumentAttachment
from invoice_portal.documents.selectors import original_of
from invoice_portal.documents.tests.einvoice_helpers import example, renumbered
from invoice_portal.documents.tests.test_einvoice_parse import BILLION_LAUGHS, XXE
from invoice_portal.invoices.models import Invoice, Source
from invoice_portal.invoices.services import credit_note_create
from invoice_portal.notifications.models import Message
from invoice_portal.testing import at_once, database_state, line, make_company, make_invoice, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seller(eu_seller: PortalSettings) -> None:
    """Our seller (VAT DE123456789), whom the ERP's documents name as their seller."""


@pytest.fixture
def customer() -> Company:
    return make_company(
        name="Kunde AG", currency="EUR", external_id="K-1", tax_id="DE999999999", peppol_scheme="9930", peppol_id="DE999999999",
        email="ap@kunde.test", country="DE", address_line1="Weg 1", city="Köln", postal_code="50667",
    )  # fmt: skip


def _original(customer: Company, **extra: Any) -> Invoice:
    lines = extra.pop("lines", None) or [
        line(description="Consulting", quantity="3", unit_price="120.00", tax_rate="19", sku="CONS", discount="10.00"),
        line(description="Travel", quantity="1.5", unit_price="80.0050", tax_rate="7", unit_code="HUR"),
        line(description="Shipping", quantity="1", unit_price="9.90", tax_rate="19", kind="cost"),
    ]
    return make_invoice(company=customer, currency="EUR", lines=lines, **extra)


def test_an_invoice_the_erp_issued_becomes_ours_with_its_own_number(customer: Company) -> None:
    original = _original(
        customer, discount="5.00", discount_tax_category="S", discount_tax_rate="19", notes="Thank you", po_number="PO-77",
        payment_instructions="IBAN DE02 1203 0000 0000 2020 51",
    )  # fmt: skip
    xml = renumbered(original, "ERP-2026-0001")
    result = issued_einvoice_import(actor=None, xml=xml, filename="erp.xml")
    invoice = Invoice.objects.get(pk=result.invoice.pk)
    assert result.created
    assert (invoice.number, invoice.source, invoice.status, invoice.direction) == ("ERP-2026-0001", Source.UBL, "open", "issued")
    assert invoice.company == customer
    assert (invoice.issue_date, invoice.due_date, invoice.currency) == (original.issue_date, original.due_date, "EUR")
    assert (invoice.notes, invoice.po_number, invoice.payment_instructions) == ("Thank you", "PO-77", original.payment_instructions)
    for name in ("line_net_total", "allowance_total", "tax_exclusive_total", "tax_total", "total", "balance", "discount"):
        assert getattr(invoice, name) == getattr(original, name), name
    fields = ("description", "sku", "quantity", "unit_code", "unit_price", "discount", "tax_category", "tax_rate", "net_amount")
    theirs = [tuple(getattr(ln, f) for f in fields) for ln in invoice.lines.order_by("line_no")]
    ours = [tuple(getattr(ln, f) for f in fields) for ln in original.lines.order_by("line_no")]
    assert theirs == ours
    attachment = original_of(invoice)
    assert attachment is not None
    assert bytes(attachment.content) == xml
    assert (attachment.filename, attachment.content_type, attachment.size) == ("erp.xml", "application/xml", len(xml))
    event = AuditEvent.objects.get(object_id=str(invoice.pk), action="invoice.import_einvoice")
    assert event.after is not None
    assert event.after["attachment"] == attachment.pk


def test_the_same_document_again_is_the_one_stored_first(customer: Company) -> None:
    xml = renumbered(_original(customer), "ERP-1")
    first = issued_einvoice_import(actor=None, xml=xml)
    before = database_state()
    again = issued_einvoice_import(actor=None, xml=xml)
    assert (again.invoice.pk, again.created) == (first.invoice.pk, False)
    # The same content re-serialized (other bytes) is the same document too.
    assert issued_einvoice_import(actor=None, xml=xml.replace(b"\n", b"\n  ")).invoice.pk == first.invoice.pk
    assert database_state() == before
    assert DocumentAttachment.objects.count() == 1


def test_another_document_with_a_number_that_is_taken_is_a_conflict(customer: Company) -> None:
    original = _original(customer)
    issued_einvoice_import(actor=None, xml=renumbered(original, "ERP-1"))
    other = renumbered(_original(customer, lines=[line(unit_price="1.00", tax_rate="19")]), "ERP-1")
    with pytest.raises(Conflict, match="ERP-1 exists already") as caught:
        issued_einvoice_import(actor=None, xml=other)
    assert caught.value.status == 409
    # Our own numbers are taken as well.
    with pytest.raises(Conflict):
        issued_einvoice_import(actor=None, xml=renumbered(original, str(make_invoice(company=customer, currency="EUR").number)))


def test_a_credit_note_refers_to_the_invoice_it_credits_and_credits_at_most_its_total(customer: Company) -> None:
    original = _original(customer)
    invoice = issued_einvoice_import(actor=None, xml=renumbered(original, "ERP-7")).invoice
    credit = credit_note_create(actor=None, invoice=original, lines=None, amount=None, apply=False)
    xml = renumbered(credit, "ERP-CN-7").replace(f">{original.number}<".encode(), b">ERP-7<")
    imported = issued_einvoice_import(actor=None, xml=xml).invoice
    assert (imported.kind, imported.related_invoice_id, imported.total) == ("credit_note", invoice.pk, invoice.total)
    with pytest.raises(CreditExceedsInvoice):
        issued_einvoice_import(actor=None, xml=xml.replace(b">ERP-CN-7<", b">ERP-CN-8<"))


def test_a_cii_credit_note_with_a_gross_price_and_a_charge() -> None:
    """cii-creditnote.xml: our seller's VAT id set to its seller's; the buyer found by its VAT id; the charge a cost line."""
    seller = portal_settings()
    seller.seller_tax_id = "GB1232434"
    seller.save()
    buyer = make_company(name="Buyer", currency="EUR", tax_id="SE4598375937", external_id="B-9")
    result = issued_einvoice_import(actor=None, xml=example("cii-creditnote.xml"))
    invoice = result.invoice
    assert (invoice.source, invoice.kind, invoice.number, invoice.company) == (Source.CII, "credit_note", "CN-Snippet1", buyer)
    assert invoice.related_invoice is None  # Snippet1 is not one of ours
    lines = [(ln.kind, ln.description, ln.quantity, ln.unit_code, ln.unit_price, ln.sku) for ln in invoice.lines.order_by("line_no")]
    assert lines == [
        ("item", "item name — Description of item", Decimal(7), "DAY", Decimal(400), "SKU-1"),
        ("cost", "Insurance", Decimal(1), "C62", Decimal(25), ""),
    ]
    assert (invoice.tax_exclusive_total, invoice.tax_total, invoice.total) == (Decimal(2825), Decimal("706.25"), Decimal("3531.25"))


def test_the_buyer_is_found_by_external_id_then_vat_id_then_electronic_address(customer: Company) -> None:
    xml = renumbered(_original(customer), "ERP-B1")
    Company.objects.filter(pk=customer.pk).update(external_id="RENAMED")
    assert issued_einvoice_import(actor=None, xml=xml).invoice.company == customer  # by VAT id
    Company.objects.filter(pk=customer.pk).update(tax_id="")
    xml2 = xml.replace(b">ERP-B1<", b">ERP-B2<")
    assert issued_einvoice_import(actor=None, xml=xml2).invoice.company == customer  # by Peppol participant id
    # An email address as the electronic address (scheme EM) names the customer with that email.
    Company.objects.filter(pk=customer.pk).update(peppol_scheme="", peppol_id="", email="other@kunde.test")
    endpoint = b'<cbc:EndpointID schemeID="9930">DE999999999</cbc:EndpointID>'
    xml3 = xml.replace(endpoint, b'<cbc:EndpointID schemeID="EM">AP@kunde.test</cbc:EndpointID>').replace(b">ERP-B1<", b">ERP-B3<")
    assert xml3.count(b'schemeID="EM"') == 1
    with pytest.raises(UnknownBuyer, match=r"EM:AP@kunde\.test"):
        issued_einvoice_import(actor=None, xml=xml3)
    Company.objects.filter(pk=customer.pk).update(email="ap@kunde.test")
    assert issued_einvoice_import(actor=None, xml=xml3).invoice.company == customer


def test_an_unknown_buyer_is_refused_and_nothing_is_written(customer: Company) -> None:
    xml = renumbered(_original(customer), "ERP-U")
    Company.objects.filter(pk=customer.pk).update(external_id="X", tax_id="", email="", peppol_scheme="", peppol_id="")
    before = database_state()
    with pytest.raises(UnknownBuyer, match="No customer matches the buyer Kunde AG") as caught:
        issued_einvoice_import(actor=None, xml=xml)
    assert caught.value.status == 422
    assert database_state() == before


def test_a_document_breaking_en16931_is_refused_with_each_rule(customer: Company) -> None:
    xml = renumbered(_original(customer), "ERP-BAD")
    broken = xml.replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")
    with pytest.raises(EInvoiceNotValid) as caught:
        issued_einvoice_import(actor=None, xml=broken)
    rules = {v.rule for v in caught.value.violations}
    assert "BR-05" in rules
    assert all(v.flag == "fatal" and v.message and v.location for v in caught.value.violations)
    assert not Invoice.objects.filter(number="ERP-BAD").exists()


def test_hostile_xml_is_refused_before_validation() -> None:
    for data in (BILLION_LAUGHS, XXE, b"<Invoice"):
        with pytest.raises(EInvoiceRefused):
            issued_einvoice_import(actor=None, xml=data)


def test_a_document_from_another_seller_is_not_issued_here(customer: Company) -> None:
    xml = renumbered(_original(customer), "ERP-F").replace(b"DE123456789", b"FR11223344556")
    with pytest.raises(ForeignSeller):
        issued_einvoice_import(actor=None, xml=xml)


def test_what_our_documents_cannot_hold_is_refused_with_the_reason() -> None:
    seller = portal_settings()
    seller.seller_tax_id = "GB1232434"
    seller.save()
    make_company(name="Buyer", currency="EUR", tax_id="SE4598375937", external_id="B-9")
    with pytest.raises(EInvoiceNotImportable, match="line 2: quantity -3"):
        issued_einvoice_import(actor=None, xml=example("base-example.xml"))


def test_an_order_reference_links_our_order_one_invoice_per_order_unless_the_setting_says_many(customer: Company) -> None:
    order = make_order(company=customer, source="erp", external_id="SO-1")
    order.currency = "EUR"
    order.save()
    original = _original(customer)
    xml = renumbered(original, "ERP-O1").replace(b"</cbc:DueDate>", b"</cbc:DueDate>", 1)
    xml = xml.replace(
        b"<cac:AccountingSupplierParty>", b"<cac:OrderReference><cbc:ID>SO-1</cbc:ID></cac:OrderReference><cac:AccountingSupplierParty>"
    )
    first = issued_einvoice_import(actor=None, xml=xml).invoice
    assert first.order == order
    assert first.po_number == ""  # the reference named our order, not a PO of the customer's
    second = xml.replace(b">ERP-O1<", b">ERP-O2<")
    with pytest.raises(OrderAlreadyInvoiced):
        issued_einvoice_import(actor=None, xml=second)
    settings = portal_settings()
    settings.invoices_per_order = "many"
    settings.save()
    assert issued_einvoice_import(actor=None, xml=second).invoice.order == order


def test_a_reference_to_no_order_of_ours_is_the_customers_po_number(customer: Company) -> None:
    xml = renumbered(_original(customer, po_number="PO-X"), "ERP-P")
    invoice = issued_einvoice_import(actor=None, xml=xml).invoice
    assert (invoice.order, invoice.po_number) == (None, "PO-X")


# --- invoice-portal import FILE.xml --------------------------------------------------------------------------


def test_the_import_command_takes_an_xml_file(customer: Company, tmp_path: Path) -> None:
    path = tmp_path / "erp-invoice.xml"
    path.write_bytes(renumbered(_original(customer), "ERP-CLI-1"))
    out = StringIO()
    call_command("import", str(path), stdout=out)
    invoice = Invoice.objects.get(number="ERP-CLI-1")
    assert "imported as invoice ERP-CLI-1 for Kunde AG" in out.getvalue()
    assert bytes(original_of(invoice).content) == path.read_bytes()  # type: ignore[union-attr]
    assert AuditEvent.objects.get(object_id=str(invoice.pk), action="invoice.issue").channel == "import"
    assert not Message.objects.filter(invoice=invoice).exists()  # an ERP import is not emailed
    call_command("import", str(path), stdout=(again := StringIO()))
    assert "was imported already" in again.getvalue()


def test_the_import_command_lists_every_broken_rule(customer: Company, tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(renumbered(_original(customer), "ERP-CLI-2").replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b""))
    err = StringIO()
    with pytest.raises(CommandError, match="rule"):
        call_command("import", str(path), stderr=err)
    assert "[BR-05]" in err.getvalue()
    assert not Invoice.objects.filter(number="ERP-CLI-2").exists()


def test_the_import_command_dry_run_writes_nothing(customer: Company, tmp_path: Path) -> None:
    path = tmp_path / "dry.xml"
    path.write_bytes(renumbered(_original(customer), "ERP-CLI-3"))
    out = StringIO()
    call_command("import", str(path), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue()
    assert not Invoice.objects.filter(number="ERP-CLI-3").exists()


def test_our_cii_export_imports_as_a_cii_document(customer: Company) -> None:
    original = _original(customer, discount="5.00", discount_tax_category="S", discount_tax_rate="19")
    xml = invoice_cii(original).replace(f">{original.number}<".encode(), b">ERP-CII-1<")
    invoice = issued_einvoice_import(actor=None, xml=xml).invoice
    assert (invoice.source, invoice.number, invoice.total, invoice.tax_total) == (
        Source.CII,
        "ERP-CII-1",
        original.total,
        original.tax_total,
    )
    assert [(ln.description, ln.quantity, ln.unit_price, ln.net_amount) for ln in invoice.lines.order_by("line_no")] == [
        (ln.description, ln.quantity, ln.unit_price, ln.net_amount) for ln in original.lines.order_by("line_no")
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_document_posted_twice_at_once_is_stored_once(eu_seller: PortalSettings) -> None:
    """The second import waits on the number's unique index, then answers the first one's document (never a 409 or a 500)."""
    customer = make_company(
        name="Kunde AG", currency="EUR", external_id="K-1", tax_id="DE999999999", peppol_scheme="9930", peppol_id="DE999999999",
        country="DE",
    )  # fmt: skip
    xml = renumbered(_original(customer), "ERP-RACE-1")

    def run() -> Any:
        try:
            return issued_einvoice_import(actor=None, xml=xml)
        finally:
            connection.close()

    results = at_once([run] * 3)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.created for r in results) == [False, False, True]
    assert len({r.invoice.pk for r in results}) == 1
    assert Invoice.objects.filter(number="ERP-RACE-1").count() == 1
    assert DocumentAttachment.objects.filter(invoice__number="ERP-RACE-1").count() == 1


@pytest.fixture(params=["in this process", "in worker processes"])
def reading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The batch command both ways: files read here, or by two worker processes one file a chunk (``reading``)."""
    if request.param == "in worker processes":
        monkeypatch.setenv("EINVOICE_READ_WORKERS", "2")
        monkeypatch.setattr(reading_module, "CHUNK", 1)
    else:
        monkeypatch.setenv("EINVOICE_READ_WORKERS", "0")
    return str(request.param)


def test_the_import_command_takes_several_files_and_directories_as_one_batch(customer: Company, tmp_path: Path, reading: str) -> None:
    folder = tmp_path / "erp"
    folder.mkdir()
    (folder / "b.xml").write_bytes(renumbered(_original(customer), "ERP-DIR-B"))
    (folder / "a.XML").write_bytes(renumbered(_original(customer), "ERP-DIR-A"))
    (folder / "notes.txt").write_text("not an invoice")
    single = tmp_path / "single.xml"
    single.write_bytes(renumbered(_original(customer), "ERP-DIR-C"))
    call_command("import", str(folder), str(single), "--dry-run", stdout=(dry := StringIO()))
    assert "3 files: valid" in dry.getvalue()
    assert not Invoice.objects.filter(number__startswith="ERP-DIR-").exists()
    call_command("import", str(folder), str(single), stdout=(out := StringIO()))
    lines = out.getvalue().splitlines()
    assert [ln.split(":")[0] for ln in lines] == ["a.XML", "b.xml", "single.xml"]  # the directory's files in name order
    assert "imported as invoice ERP-DIR-A for Kunde AG" in lines[0]
    for name, number in (("a.XML", "ERP-DIR-A"), ("b.xml", "ERP-DIR-B"), ("single.xml", "ERP-DIR-C")):
        original = original_of(Invoice.objects.get(number=number))
        assert original is not None
        assert original.filename == name
    assert AuditEvent.objects.get(object_id=str(Invoice.objects.get(number="ERP-DIR-C").pk), action="invoice.issue").channel == "import"
    call_command("import", str(single), str(folder / "b.xml"), stdout=(again := StringIO()))
    assert again.getvalue().count("was imported already") == 2


def test_worker_processes_read_what_this_process_reads_in_the_documents_order(customer: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    good = [renumbered(_original(customer), f"ERP-W-{i}") for i in range(5)]
    not_valid = good[0].replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")  # BR-05
    payloads = [good[0], b"<not-closed>", good[1], not_valid, good[2], good[3], XXE, good[4]]
    here = reading_module.read_chunk(payloads, validated=True)
    assert [doc is None for doc in here] == [False, True, False, True, False, False, True, False]
    assert [doc.number for doc in here if doc is not None] == [f"ERP-W-{i}" for i in range(5)]
    monkeypatch.setenv("EINVOICE_READ_WORKERS", "2")
    chunks = list(reading_module.einvoices_read(payloads, chunk=3))
    assert [len(c) for c in chunks] == [3, 3, 2]
    assert [doc for c in chunks for doc in c] == here
    # Without the validation (the benchmark's reading), the document that parses but breaks BR-05 is read.
    unvalidated = [doc for c in reading_module.einvoices_read(payloads, chunk=3, validated=False) for doc in c]
    assert [doc is None for doc in unvalidated] == [False, True, False, False, False, False, True, False]


def test_the_import_command_writes_nothing_when_one_of_several_files_is_refused(customer: Company, tmp_path: Path, reading: str) -> None:
    good, broken, stranger = tmp_path / "good.xml", tmp_path / "broken.xml", tmp_path / "stranger.xml"
    good.write_bytes(renumbered(_original(customer), "ERP-ALL-1"))
    broken.write_bytes(
        renumbered(_original(customer), "ERP-ALL-2").replace(b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>", b"")
    )
    stranger.write_bytes(renumbered(_original(customer), "ERP-ALL-3"))
    before = database_state()
    with pytest.raises(CommandError, match="1 of 2 files refused; nothing was imported"):
        call_command("import", str(good), str(broken), stderr=(err := StringIO()))
    assert "broken.xml: [BR-05]" in err.getvalue()
    Company.objects.filter(pk=customer.pk).update(external_id="X", tax_id="", email="", peppol_scheme="", peppol_id="")
    with pytest.raises(CommandError, match=r"No customer matches the buyer Kunde AG.*Nothing was imported from the 2 files"):
        call_command("import", str(good), str(stranger))
    Company.objects.filter(pk=customer.pk).update(external_id=customer.external_id, tax_id=customer.tax_id, email=customer.email,
                                                  peppol_scheme=customer.peppol_scheme, peppol_id=customer.peppol_id)  # fmt: skip
    assert database_state() == before
    with pytest.raises(CommandError, match="on its own"):
        call_command("import", str(good), str(tmp_path / "rows.csv"))
