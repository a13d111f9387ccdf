"""Every e-invoice we export passes the official validation (UBL 2.1 XSD + CEN's EN 16931 schematron) with no
fatal assert and the Peppol BIS rules of ``peppol_rules``: the whole demo data set, and a generated corpus of
documents covering each VAT category, document and line discounts, several currencies (JPY among them), notes
and every kind of document. What cannot be a valid e-invoice is refused with the reason."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.cii import invoice_cii
from invoice_portal.documents.einvoice.selectors import for_ubl
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.documents.einvoice.validation import fatal, validate_cii, validate_ubl
from invoice_portal.documents.tests.peppol_rules import peppol_violations
from invoice_portal.invoices.models import Direction, Invoice
from invoice_portal.invoices.services import credit_note_create, debit_note_create
from invoice_portal.seller.services import portal_settings_update
from invoice_portal.testing import Personas, line, make_company, make_invoice

pytestmark = pytest.mark.django_db

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
# (category, rate) pairs a line can carry; L and M are the Canary Islands' IGIC and Ceuta/Melilla's IPSI.
CATEGORIES = [("S", "19"), ("S", "7"), ("Z", "0"), ("E", "0"), ("AE", "0"), ("K", "0"), ("G", "0"), ("O", "0"), ("L", "7"), ("M", "4")]
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "SEK"]


def _broken(content: bytes) -> list[str]:
    return [str(v) for v in fatal(validate_ubl(content))] + [f"[{rule}] {message}" for rule, message in peppol_violations(content)]


def _cii_broken(content: bytes) -> list[str]:
    return [str(v) for v in fatal(validate_cii(content))]


def _tree(content: bytes) -> Any:
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def _price(currency: str, value: str) -> str:
    return str(int(Decimal(value) * 150)) if currency == "JPY" else value


def _corpus(buyer: Company, finance: Any) -> list[Invoice]:
    """Documents of every VAT category (O alone, as issuing requires), with and without discounts, in several
    currencies, with notes (one with only whitespace), of every kind."""
    documents: list[Invoice] = []
    combos = itertools.product(CATEGORIES, CURRENCIES, (False, True))
    for n, ((category, rate), currency, discounted) in enumerate(combos):
        lines = [
            line(description="Hydraulic pump", quantity="2", unit_price=_price(currency, "150.00"), tax_category=category,
                 tax_rate=rate, sku="HP-2", discount=_price(currency, "10.00") if discounted else "0"),
            line(description="Freight", kind="cost", unit_price=_price(currency, "25.00"), tax_category=category, tax_rate=rate),
        ]  # fmt: skip
        if category == "S" and n % 3 == 0:
            lines.append(line(description="Manual", quantity="3", unit_price=_price(currency, "12.00"), tax_category="Z", tax_rate="0"))
        header: dict[str, Any] = {
            "notes": ["Thank you for your order.\nDelivery: dock 4.", "   ", ""][n % 3],
            "po_number": ["PO-4711", "  ", ""][n % 3],
            "payment_instructions": "Wire to the account below." if n % 2 else "",
        }
        if discounted:
            header.update(discount=_price(currency, "20.00"), discount_tax_category=category, discount_tax_rate=rate)
        invoice = make_invoice(company=buyer, currency=currency, lines=lines, **header)
        documents.append(invoice)
        if n % 4 == 0:
            documents.append(credit_note_create(actor=finance, invoice=invoice))  # the whole invoice, its discount too
        elif n % 4 == 1:
            documents.append(
                credit_note_create(actor=finance, invoice=invoice, amount=_price(currency, "15.00"), tax_category=category, tax_rate=rate)
            )
        elif n % 4 == 2:
            extra = [line(unit_price=_price(currency, "9.00"), tax_category=category, tax_rate=rate)]
            documents.append(debit_note_create(actor=finance, company=buyer, invoice=invoice, lines=extra))
    documents.append(
        credit_note_create(actor=finance, company=buyer, lines=[line(unit_price="30.00", tax_category="S", tax_rate="19")])
    )  # a standalone credit note
    return documents


def test_every_document_of_the_generated_corpus_passes_en16931_as_ubl_and_cii_and_the_peppol_rules(
    eu_seller: PortalSettings, peppol_customers: Personas
) -> None:
    documents = _corpus(peppol_customers.globex, peppol_customers.finance)
    seller = portal_settings()
    kinds: Counter[str] = Counter()
    categories: Counter[str] = Counter()

    for invoice in for_ubl(Invoice.objects.filter(pk__in=[d.pk for d in documents])):
        content = invoice_ubl(invoice, seller=seller)
        assert _broken(content) == [], invoice.number
        assert _cii_broken(invoice_cii(invoice, seller=seller)) == [], invoice.number
        kinds[invoice.kind] += 1
        categories.update({ln.tax_category for ln in invoice.lines.all()})

    assert sum(kinds.values()) == len(documents) >= 170
    assert set(kinds) == {"invoice", "credit_note", "debit_note"}
    assert set(categories) == {c for c, _ in CATEGORIES}


def test_every_issued_document_of_the_demo_data_passes_en16931_as_ubl_and_cii_and_the_peppol_rules() -> None:
    from invoice_portal.demo import build_demo

    build_demo()
    seller = portal_settings()
    exported: Counter[str] = Counter()
    for invoice in for_ubl(Invoice.objects.filter(direction=Direction.ISSUED).exclude(number=None).order_by("pk")):
        content = invoice_ubl(invoice, seller=seller)
        assert _broken(content) == [], invoice.number
        assert _cii_broken(invoice_cii(invoice, seller=seller)) == [], invoice.number
        exported[invoice.currency] += 1
    assert sum(exported.values()) >= 400
    assert {"USD", "EUR", "GBP", "JPY"} <= set(exported)


def test_a_document_not_subject_to_vat_names_no_vat_id_of_either_party(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    content = invoice_ubl(make_invoice(company=peppol_customers.globex, lines=[line(unit_price="80.00", tax_category="O")]))

    assert _broken(content) == []
    tree = _tree(content)
    assert tree.findall(".//cac:PartyTaxScheme", NS) == []  # BR-O-02
    # BR-CO-26: the seller is still identified, by its participant id.
    assert tree.findtext("cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification/cbc:ID", namespaces=NS) == "DE123456789"


def test_an_intra_community_supply_states_delivery_date_and_country(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    invoice = make_invoice(company=peppol_customers.globex, lines=[line(unit_price="80.00", tax_category="K")])
    tree = _tree(invoice_ubl(invoice))
    assert tree.findtext("cac:Delivery/cbc:ActualDeliveryDate", namespaces=NS) == str(invoice.issue_date)  # BR-IC-11
    assert tree.findtext("cac:Delivery/cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode", namespaces=NS) == "DE"


def test_a_us_ein_is_a_legal_and_tax_registration_id_never_a_vat_id(peppol_customers: Personas) -> None:
    portal_settings_update(
        actor=None, seller_name="Demo Supplies Ltd.", seller_tax_id="US 94-3127765", seller_country="US",
        seller_address="200 Market Street\nSan Francisco, CA 94105", seller_peppol_scheme="0088", seller_peppol_id="0614141000012",
    )  # fmt: skip
    content = invoice_ubl(make_invoice(company=peppol_customers.acme, lines=[line(unit_price="80.00", tax_category="S", tax_rate="8.875")]))

    assert _broken(content) == []
    seller = _tree(content).find("cac:AccountingSupplierParty/cac:Party", NS)
    schemes = {s.findtext("cac:TaxScheme/cbc:ID", namespaces=NS): s.findtext("cbc:CompanyID", namespaces=NS)
               for s in seller.findall("cac:PartyTaxScheme", NS)}  # fmt: skip
    assert schemes == {"TAX": "US 94-3127765"}
    assert seller.findtext("cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS) == "US 94-3127765"


def test_without_po_or_customer_id_the_buyer_reference_is_the_document_number(eu_seller: PortalSettings) -> None:
    company = make_company(
        name="No Ref GmbH", currency="EUR", external_id=None, country="DE", peppol_scheme="9930", peppol_id="DE811907634"
    )
    invoice = make_invoice(company=company, lines=[line(unit_price="80.00", tax_category="S", tax_rate="19")], po_number="   ")
    content = invoice_ubl(invoice)
    assert _broken(content) == []  # PEPPOL-EN16931-R003, R008
    assert _tree(content).findtext("cbc:BuyerReference", namespaces=NS) == invoice.number


def test_an_issued_documents_export_never_changes_with_the_settings(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    invoice = make_invoice(company=peppol_customers.globex, lines=[line(unit_price="80.00", tax_category="S", tax_rate="19")])
    before = invoice_ubl(invoice)
    portal_settings_update(
        actor=None, seller_name="Renamed AG", seller_address="Elsewhere 1\n80331 München", seller_tax_id="DE999999999",
        seller_peppol_scheme="0088", seller_peppol_id="0614141000012", seller_iban="",
    )  # fmt: skip
    invoice.refresh_from_db()
    assert invoice_ubl(invoice) == before
    assert b"Renamed AG" in invoice_ubl(make_invoice(company=peppol_customers.globex))


@pytest.mark.parametrize("currency", ["KWD", "BHD", "JOD", "OMR", "TND"])
def test_a_three_decimal_currency_has_no_e_invoice_and_says_why(
    eu_seller: PortalSettings, peppol_customers: Personas, currency: str
) -> None:
    invoice = make_invoice(
        company=peppol_customers.globex, currency=currency, lines=[line(unit_price="12.345", tax_category="S", tax_rate="5")]
    )
    with pytest.raises(EInvoiceNotPossible, match=rf"{currency} has 3 decimals and EN 16931 allows at most 2 .* PDF only"):
        invoice_ubl(invoice)


def test_a_fractional_yen_unit_price_has_no_e_invoice_and_says_why(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    invoice = make_invoice(
        company=peppol_customers.globex, currency="JPY", lines=[line(quantity="3", unit_price="12.5", tax_category="S", tax_rate="10")]
    )
    with pytest.raises(EInvoiceNotPossible, match=r"line 1 is 3 × 12.5 JPY = 37.5.*PEPPOL-EN16931-R120"):
        invoice_ubl(invoice)


def test_a_customer_without_a_participant_id_or_a_country_has_no_e_invoice(eu_seller: PortalSettings, personas: Personas) -> None:
    company = make_company(name="Unknown Ltd", currency="EUR", country="DE")
    with pytest.raises(EInvoiceNotPossible, match=r"customer Unknown Ltd has no Peppol participant id.*set it on the customer"):
        invoice_ubl(make_invoice(company=company))
    # The seller's country is never lent to a customer without an address (the Dutch rules want its own).
    Company.objects.filter(pk=company.pk).update(country="", peppol_scheme="0088", peppol_id="0614141000043")
    company.refresh_from_db()
    with pytest.raises(EInvoiceNotPossible, match="customer Unknown Ltd has no country"):
        invoice_ubl(make_invoice(company=company))


@pytest.mark.parametrize(("scheme", "identifier"), [("0220", "123456"), ("0151", "12345678901"), ("0007", "5567321708")])
def test_a_stored_participant_id_peppol_would_refuse_has_no_e_invoice(
    eu_seller: PortalSettings, personas: Personas, scheme: str, identifier: str
) -> None:
    """A scheme Peppol does not route (CL008) or an id failing its scheme's check digit (PEPPOL-COMMON-R049/R050), stored
    before the participant-id check knew them, is caught before a receiver would reject the document."""
    company = make_company(name="Stored Ltd", currency="EUR", country="DE", peppol_scheme=scheme, peppol_id=identifier)
    with pytest.raises(EInvoiceNotPossible, match=rf"Stored Ltd's Peppol participant id {scheme}:{identifier} is not valid in Peppol"):
        invoice_ubl(make_invoice(company=company, lines=[line(unit_price="80.00", tax_category="S", tax_rate="19")]))


def test_a_k_supply_to_a_customer_without_vat_id_has_no_e_invoice(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    with pytest.raises(EInvoiceNotPossible, match="BR-IC"):
        invoice_ubl(make_invoice(company=peppol_customers.acme, lines=[line(unit_price="80.00", tax_category="K")]))


def test_a_seller_without_a_tax_id_has_no_e_invoice_for_taxed_lines(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    portal_settings_update(actor=None, seller_tax_id="")
    with pytest.raises(EInvoiceNotPossible, match="need the seller's VAT id or tax number"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=[line(unit_price="80.00", tax_category="S", tax_rate="19")]))


def _dutch_seller() -> None:
    portal_settings_update(
        actor=None, seller_name="Handel BV", seller_address="Keizersgracht 1\n1015 CJ Amsterdam", seller_country="NL",
        seller_tax_id="NL123456789B01", seller_peppol_scheme="9944", seller_peppol_id="NL123456789B01", seller_iban="NL91ABNA0417164300",
    )  # fmt: skip


def test_a_dutch_seller_meets_the_dutch_rules(peppol_customers: Personas) -> None:
    _dutch_seller()
    customer = make_company(name="Klant BV", currency="EUR", country="NL", tax_id="NL987654321B01", address_line1="Dam 1",
                            city="Amsterdam", postal_code="1012 JS", peppol_scheme="9944", peppol_id="NL987654321B01")  # fmt: skip
    invoice = make_invoice(company=customer, lines=[line(unit_price="80.00", tax_category="S", tax_rate="21")])
    credit = credit_note_create(actor=peppol_customers.finance, invoice=invoice, amount="10.00")
    for document in (invoice, credit):
        content = invoice_ubl(document)
        assert _broken(content) == []
        assert _tree(content).findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "58"  # NL-R-008: SEPA to the IBAN


def test_a_dutch_sellers_standalone_credit_note_or_missing_account_has_no_e_invoice(peppol_customers: Personas) -> None:
    _dutch_seller()
    customer = make_company(name="Klant BV", currency="EUR", country="NL", address_line1="Dam 1", city="Amsterdam",
                            postal_code="1012 JS", peppol_scheme="9944", peppol_id="NL987654321B01")  # fmt: skip
    standalone = credit_note_create(
        actor=peppol_customers.finance, company=customer, lines=[line(unit_price="30.00", tax_category="S", tax_rate="21")]
    )
    with pytest.raises(EInvoiceNotPossible, match="NL-R-001"):
        invoice_ubl(standalone)
    portal_settings_update(actor=None, seller_iban="")
    with pytest.raises(EInvoiceNotPossible, match="NL-R-008"):
        invoice_ubl(make_invoice(company=customer, lines=[line(unit_price="80.00", tax_category="S", tax_rate="21")]))
