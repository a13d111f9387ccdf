"""XRechnung (UBL) for German public customers, Factur-X (PDF/A-3 with the CII inside) and the customer's
preferred format, used by the email that sends an issued document and by the portal's download."""

from __future__ import annotations

import logging
import re
from typing import Any

import facturx
import pytest
from lxml import etree

from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_update
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.core.models import PortalSettings
from invoice_portal.documents.einvoice.delivery import attachments, preferred_download
from invoice_portal.documents.einvoice.factur_x import invoice_facturx
from invoice_portal.documents.einvoice.ubl import XRECHNUNG_CUSTOMIZATION_ID, invoice_ubl
from invoice_portal.documents.einvoice.validation import fatal, validate_cii, validate_ubl
from invoice_portal.documents.tests.peppol_rules import peppol_violations
from invoice_portal.invoices.services import credit_note_create, debit_note_create
from invoice_portal.notifications.services import invoice_send
from invoice_portal.seller.services import portal_settings_update
from invoice_portal.testing import Personas, line, make_company, make_invoice

pytestmark = pytest.mark.django_db

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
XRECHNUNG_TYPE_CODES = {"326", "380", "384", "389", "381", "875", "876", "877"}
# XRechnung's cash discount line: "#SKONTO#", the days, the percent with two decimals, an optional base amount, "#".
SKONTO_LINE = re.compile(r"#SKONTO#TAGE=\d+#PROZENT=\d+\.\d\d(#BASISBETRAG=-?\d+\.\d\d)?#")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    logging.getLogger("factur-x").setLevel(logging.WARNING)


def _public_customer() -> Company:
    return make_company(
        name="Stadt Musterhausen", currency="EUR", country="DE", tax_id="DE811907634", address_line1="Rathausplatz 1",
        city="Musterhausen", postal_code="12345", external_id="MUSTER-1", peppol_scheme="0204",
        peppol_id="04011000-1234512345-06", einvoice_format="xrechnung", leitweg_id="04011000-1234512345-06",
    )  # fmt: skip


def _german_rules(content: bytes) -> list[str]:
    """XRechnung's rules (BR-DE-*) that concern what we write, checked explicitly (KoSIT's schematron is not shipped)."""
    root = etree.fromstring(content)
    credit = etree.QName(root).localname == "CreditNote"
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    broken = []
    if root.findtext("cbc:CustomizationID", namespaces=NS) != XRECHNUNG_CUSTOMIZATION_ID:
        broken.append("BR-DE-21")
    if root.find("cac:PaymentMeans", NS) is None:
        broken.append("BR-DE-1")
    for rule, path in (("BR-DE-5", "cac:Contact/cbc:Name"), ("BR-DE-6", "cac:Contact/cbc:Telephone"),
                       ("BR-DE-7", "cac:Contact/cbc:ElectronicMail"), ("BR-DE-3", "cac:PostalAddress/cbc:CityName"),
                       ("BR-DE-4", "cac:PostalAddress/cbc:PostalZone")):  # fmt: skip
        if not (seller.findtext(path, namespaces=NS) or "").strip():
            broken.append(rule)
    for rule, path in (("BR-DE-8", "cac:PostalAddress/cbc:CityName"), ("BR-DE-9", "cac:PostalAddress/cbc:PostalZone")):
        if not (buyer.findtext(path, namespaces=NS) or "").strip():
            broken.append(rule)
    if not (root.findtext("cbc:BuyerReference", namespaces=NS) or "").strip():
        broken.append("BR-DE-15")
    categories = {code.text for category in root.iter(f"{{{NS['cac']}}}ClassifiedTaxCategory", f"{{{NS['cac']}}}TaxCategory")
                  for code in category.findall("cbc:ID", NS)}  # fmt: skip
    if categories & {"S", "Z", "E", "AE", "K", "G", "L", "M"} and not seller.findall("cac:PartyTaxScheme/cbc:CompanyID", NS):
        broken.append("BR-DE-16")
    for address in root.findall("cac:Delivery/cac:DeliveryLocation/cac:Address", NS):
        for rule, path in (("BR-DE-10", "cbc:CityName"), ("BR-DE-11", "cbc:PostalZone")):
            if not (address.findtext(path, namespaces=NS) or "").strip():
                broken.append(rule)
    for subtotal in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS):
        if not (subtotal.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS) or "").strip():
            broken.append("BR-DE-14")
    if root.findtext("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", namespaces=NS) not in XRECHNUNG_TYPE_CODES:
        broken.append("BR-DE-17")
    # BR-DE-18: every line of the payment terms that starts with "#" is a cash discount line, and a line break
    # follows the last one.
    terms = root.findtext("cac:PaymentTerms/cbc:Note", namespaces=NS) or ""
    discount_lines = [" ".join(ln.split()) for ln in terms.splitlines() if ln.strip().startswith("#")]
    if discount_lines and (
        not all(SKONTO_LINE.fullmatch(ln) for ln in discount_lines) or not terms.rsplit("#", 1)[-1].lstrip(" \t").startswith("\n")
    ):
        broken.append("BR-DE-18")
    for means in root.findall("cac:PaymentMeans", NS):
        if (
            means.findtext("cbc:PaymentMeansCode", namespaces=NS) in ("30", "58")
            and means.find("cac:PayeeFinancialAccount/cbc:ID", NS) is None
        ):
            broken.append("BR-DE-23-a")
    return broken


def test_an_xrechnung_invoice_and_credit_note_pass_en16931_peppol_and_the_german_rules(
    eu_seller: PortalSettings, personas: Personas
) -> None:
    customer = _public_customer()
    invoice = make_invoice(company=customer, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")], po_number="PO-7")
    credit = credit_note_create(actor=personas.finance, invoice=invoice, amount="20.00")
    for document in (invoice, credit):
        content = invoice_ubl(document, xrechnung=True)
        assert fatal(validate_ubl(content)) == []
        assert peppol_violations(content, peppol=False) == []
        assert _german_rules(content) == []
    assert b"<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>" in invoice_ubl(credit, xrechnung=True)  # on credit notes too


@pytest.mark.parametrize(
    ("category", "rate", "tax_id"),
    [("S", "19", "DE811907634"), ("K", "0", "FR40303265045"), ("O", "0", "DE811907634"), ("E", "0", "DE811907634"), ("Z", "0", "")],
)
def test_xrechnung_of_each_category_passes_en16931_and_the_german_rules(
    eu_seller: PortalSettings, category: str, rate: str, tax_id: str
) -> None:
    customer = _public_customer()
    if category == "K":  # an intra-community supply: a customer in another member state (its delivery address: BR-DE-10/11)
        Company.objects.filter(pk=customer.pk).update(country="FR", tax_id=tax_id, city="Paris", postal_code="75001")
        customer.refresh_from_db()
    invoice = make_invoice(company=customer, lines=[line(unit_price="100.00", tax_category=category, tax_rate=rate)])
    content = invoice_ubl(invoice, xrechnung=True)
    assert fatal(validate_ubl(content)) == []
    assert peppol_violations(content, peppol=False) == []
    assert _german_rules(content) == []


def test_the_leitweg_id_is_the_buyer_reference_and_a_public_customer_without_one_has_no_xrechnung(
    eu_seller: PortalSettings, personas: Personas
) -> None:
    customer = _public_customer()
    invoice = make_invoice(company=customer, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")], po_number="PO-7")
    for content in (invoice_ubl(invoice, xrechnung=True), invoice_ubl(invoice)):
        root = etree.fromstring(content)
        assert root.findtext("cbc:BuyerReference", namespaces=NS) == "04011000-1234512345-06"
        assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == "PO-7"  # the PO stays the order reference

    company_update(actor=None, company=customer, leitweg_id="")
    invoice.company.refresh_from_db()
    with pytest.raises(EInvoiceNotPossible, match=r"Stadt Musterhausen receives XRechnung but has no Leitweg-ID.*BR-DE-15"):
        invoice_ubl(invoice, xrechnung=True)
    assert "no Leitweg-ID" in attachments(invoice).note  # the email then carries the PDF alone, saying why
    # A customer not marked as XRechnung (a company buying from us, say) gets one with the usual buyer reference.
    company_update(actor=None, company=customer, einvoice_format="peppol_ubl")
    invoice.company.refresh_from_db()
    root = etree.fromstring(invoice_ubl(invoice, xrechnung=True))
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "PO-7"


def test_xrechnung_refuses_a_debit_note_and_a_seller_without_contact(eu_seller: PortalSettings, personas: Personas) -> None:
    customer = _public_customer()
    invoice = make_invoice(company=customer, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")])
    debit = debit_note_create(
        actor=personas.finance, company=customer, invoice=invoice, lines=[line(unit_price="5.00", tax_category="S", tax_rate="19")]
    )
    with pytest.raises(EInvoiceNotPossible, match="BR-DE-17"):
        invoice_ubl(debit, xrechnung=True)
    portal_settings_update(actor=None, seller_contact_name="", seller_phone="")
    with pytest.raises(EInvoiceNotPossible, match="contact name, phone must be set"):
        invoice_ubl(make_invoice(company=customer, lines=[line(unit_price="1.00", tax_category="S", tax_rate="19")]), xrechnung=True)


def test_xrechnung_cash_discount_terms_stand_on_a_line_of_their_own_followed_by_a_line_break(
    eu_seller: PortalSettings, personas: Personas
) -> None:
    customer = _public_customer()
    for instructions in ("#SKONTO#TAGE=14#PROZENT=2.00#", "Wire to the account below.\n#SKONTO#TAGE=10#PROZENT=3.00#\n  "):
        invoice = make_invoice(
            company=customer, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")], payment_instructions=instructions
        )
        content = invoice_ubl(invoice, xrechnung=True)
        assert fatal(validate_ubl(content)) == []
        assert _german_rules(content) == []
        note = etree.fromstring(content).findtext("cac:PaymentTerms/cbc:Note", namespaces=NS)
        assert note.startswith("Payment within 30 days.\n")
        assert note.endswith("#\n")
        assert SKONTO_LINE.fullmatch(note.splitlines()[-1])
        # The Peppol UBL of the same document keeps its terms on one line, as before.
        assert b"Payment within 30 days. " in invoice_ubl(invoice)


def test_xrechnung_refuses_payment_instructions_with_a_line_starting_with_a_hash_that_is_no_cash_discount(
    eu_seller: PortalSettings,
) -> None:
    invoice = make_invoice(
        company=_public_customer(), lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")],
        payment_instructions="Please quote:\n# 4711",
    )  # fmt: skip
    with pytest.raises(EInvoiceNotPossible, match=r"line '# 4711' starts with '#'.*#SKONTO#TAGE=14#PROZENT=2.00# \(BR-DE-18\)"):
        invoice_ubl(invoice, xrechnung=True)
    assert _german_rules(invoice_ubl(invoice)) == ["BR-DE-21", "BR-DE-18"]  # what the Peppol UBL would break as XRechnung


def test_factur_x_is_the_pdf_a3_with_the_valid_cii_inside(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    invoice = make_invoice(company=peppol_customers.globex, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")])

    pdf = invoice_facturx(invoice)

    assert pdf.startswith(b"%PDF-")
    name, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert fatal(validate_cii(xml)) == []
    assert f"<ram:ID>{invoice.number}</ram:ID>".encode() in xml
    from pypdf import PdfReader

    reader = PdfReader(__import__("io").BytesIO(pdf))
    metadata = reader.xmp_metadata
    assert metadata is not None
    assert b"pdfaid" in metadata.stream.get_data() or "pdfaid" in str(metadata.rdf_root.toxml())


def test_the_customers_preferred_format_decides_the_attachments_and_the_download(
    eu_seller: PortalSettings, peppol_customers: Personas
) -> None:
    globex = peppol_customers.globex
    invoice = make_invoice(company=globex, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")])
    expected = {
        "pdf": ["application/pdf"],
        "peppol_ubl": ["application/pdf", "application/xml"],
        "xrechnung": ["application/pdf", "application/xml"],
        "facturx": ["application/pdf"],
    }
    for fmt, types in expected.items():
        Company.objects.filter(pk=globex.pk).update(
            einvoice_format=fmt, address_line1="Friedrichstraße 68", city="Berlin", postal_code="10117", leitweg_id="991-33333TEST-33"
        )
        invoice.company.refresh_from_db()
        sent = attachments(invoice)
        assert [f.content_type for f in sent.files] == types, fmt
        assert sent.note == ""
        download = preferred_download(invoice)
        assert download.content_type == types[-1] if fmt != "pdf" else download.content_type == "application/pdf"
    assert attachments(invoice).files[0].filename.endswith(".facturx.pdf")


def test_an_email_carries_the_pdf_alone_with_the_reason_when_no_e_invoice_is_possible(
    eu_seller: PortalSettings, peppol_customers: Personas
) -> None:
    Company.objects.filter(pk=peppol_customers.globex.pk).update(einvoice_format="peppol_ubl")
    invoice = make_invoice(
        company=peppol_customers.globex, currency="KWD", lines=[line(unit_price="10.000", tax_category="S", tax_rate="5")]
    )
    sent = attachments(invoice)
    assert [f.content_type for f in sent.files] == ["application/pdf"]
    assert "KWD has 3 decimals" in sent.note


def test_sending_an_issued_document_attaches_the_preferred_format(
    eu_seller: PortalSettings, peppol_customers: Personas, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    Company.objects.filter(pk=peppol_customers.globex.pk).update(einvoice_format="peppol_ubl", email="ap@globex.test")
    invoice = make_invoice(company=peppol_customers.globex, lines=[line(unit_price="100.00", tax_category="S", tax_rate="19")])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invoice_send(actor=peppol_customers.finance, invoice=invoice)

    sent = [m for m in mailoutbox if invoice.number in m.subject]
    assert len(sent) == 1
    names = [name for name, _, _ in sent[0].attachments]
    assert names == [f"{invoice.number}.pdf", f"{invoice.number}.xml"]
    ubl = sent[0].attachments[1][1]
    assert fatal(validate_ubl(ubl if isinstance(ubl, bytes) else ubl.encode())) == []
