"""UBL 2.1 (Peppol BIS Billing 3.0) export: every kind of issued document, in any currency, passes the official
EN 16931 validation and the Peppol BIS rules, and states exactly the stored totals."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from invoice_portal.core.errors import DocumentNotIssued, StoredTotalsMismatch
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import as_str
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.selectors import for_ubl
from invoice_portal.documents.einvoice.ubl import CUSTOMIZATION_ID, PROFILE_ID, invoice_ubl
from invoice_portal.documents.einvoice.validation import fatal, validate_ubl
from invoice_portal.documents.tests.peppol_rules import peppol_violations
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import credit_note_create, debit_note_create
from invoice_portal.testing import Personas, line, make_company, make_invoice, pay

pytestmark = pytest.mark.django_db

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture(autouse=True)
def _seller(eu_seller: PortalSettings, peppol_customers: Personas) -> None:
    """Every document here has a seller and customers with what EN 16931 and Peppol require (country, Peppol id)."""


def _tree(content: bytes) -> Any:
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def _text(tree: Any, path: str) -> str:
    return str(tree.findtext(path, namespaces=NS))


def _assert_valid_and_exact(invoice: Invoice) -> Any:
    """The document passes XSD + EN 16931 and the Peppol rules, carries a currencyID on every amount and states
    the stored totals."""
    content = invoice_ubl(invoice)
    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert fatal(validate_ubl(content)) == []
    assert peppol_violations(content) == []
    tree = _tree(content)
    currency = invoice.currency
    assert _text(tree, "cbc:CustomizationID") == CUSTOMIZATION_ID
    assert _text(tree, "cbc:ProfileID") == PROFILE_ID
    assert _text(tree, "cbc:ID") == invoice.number
    assert _text(tree, "cbc:DocumentCurrencyCode") == currency
    amounts = [el for el in tree.iter() if etree.QName(el).localname.endswith("Amount")]
    assert amounts
    assert {el.get("currencyID") for el in amounts} == {currency}
    stored = {
        "LineExtensionAmount": invoice.line_net_total,
        "TaxExclusiveAmount": invoice.tax_exclusive_total,
        "TaxInclusiveAmount": invoice.total,
        "PayableAmount": invoice.balance,
    }
    for name, value in stored.items():
        assert _text(tree, f"cac:LegalMonetaryTotal/cbc:{name}") == as_str(value, currency), name
    assert _text(tree, "cac:TaxTotal/cbc:TaxAmount") == as_str(invoice.tax_total, currency)
    return tree


def test_an_invoice_with_two_rates_a_cost_line_and_discounts_states_the_stored_totals(personas: Personas) -> None:
    invoice = make_invoice(
        company=personas.acme,
        lines=[
            line(description="Hydraulic pump", quantity="2", unit_price="150.00", tax_category="S", tax_rate="20", sku="HP-2"),
            line(description="Manual", quantity="3", unit_price="12.3333", tax_category="S", tax_rate="7", discount="2.00"),
            line(description="Freight", kind="cost", unit_price="25.00", tax_category="S", tax_rate="20"),
        ],
        discount="30.00", discount_tax_category="S", discount_tax_rate="20", po_number="PO-4711",
        payment_instructions="Wire to IBAN DE02 1203 0000 0000 2020 51.",
    )  # fmt: skip
    pay(company=personas.acme, invoices=[(invoice, "100.00")])
    invoice.refresh_from_db()

    tree = _assert_valid_and_exact(invoice)

    assert etree.QName(tree).localname == "Invoice"
    assert _text(tree, "cbc:InvoiceTypeCode") == "380"
    assert _text(tree, "cbc:DueDate") == str(invoice.due_date)
    assert _text(tree, "cbc:BuyerReference") == "PO-4711"
    assert _text(tree, "cac:OrderReference/cbc:ID") == "PO-4711"
    assert _text(tree, "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount") == "30.00"
    assert _text(tree, "cac:LegalMonetaryTotal/cbc:PrepaidAmount") == "100.00"
    assert "Wire to IBAN" in _text(tree, "cac:PaymentTerms/cbc:Note")
    allowance = tree.find("cac:AllowanceCharge", NS)
    assert _text(allowance, "cbc:ChargeIndicator") == "false"
    assert _text(allowance, "cac:TaxCategory/cbc:Percent") == "20"
    subtotals = [
        (
            _text(s, "cac:TaxCategory/cbc:ID"),
            _text(s, "cac:TaxCategory/cbc:Percent"),
            _text(s, "cbc:TaxableAmount"),
            _text(s, "cbc:TaxAmount"),
        )
        for s in tree.findall("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    assert subtotals == [("S", "7", "35.00", "2.45"), ("S", "20", "295.00", "59.00")]
    lines = tree.findall("cac:InvoiceLine", NS)
    assert [_text(ln, "cbc:LineExtensionAmount") for ln in lines] == ["300.00", "35.00", "25.00"]
    assert lines[0].find("cbc:InvoicedQuantity", NS).get("unitCode") == "C62"
    assert _text(lines[0], "cac:Item/cac:SellersItemIdentification/cbc:ID") == "HP-2"
    assert _text(lines[1], "cac:Price/cbc:PriceAmount") == "12.3333"
    assert _text(lines[1], "cac:AllowanceCharge/cbc:Amount") == "2.00"
    seller = tree.find("cac:AccountingSupplierParty/cac:Party", NS)
    assert _text(seller, "cac:PostalAddress/cbc:StreetName") == "Hauptstraße 5"
    assert _text(seller, "cac:PostalAddress/cbc:AdditionalStreetName") == "Hinterhaus"
    assert _text(seller, "cac:PostalAddress/cbc:PostalZone") == "10115"
    assert _text(seller, "cac:PostalAddress/cbc:CityName") == "Berlin"
    assert _text(seller, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "DE"
    assert _text(seller, "cac:PartyTaxScheme/cbc:CompanyID") == "DE123456789"
    assert _text(seller, "cbc:EndpointID") == "DE123456789"
    assert seller.find("cbc:EndpointID", NS).get("schemeID") == "9930"
    assert _text(seller, "cac:Contact/cbc:Name") == "Accounts receivable"
    assert _text(seller, "cac:Contact/cbc:Telephone") == "+49 30 1234567"
    assert _text(seller, "cac:Contact/cbc:ElectronicMail") == "billing@demo.test"
    assert _text(tree, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"  # an IBAN, but the invoice is in USD
    assert _text(tree, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "DE02120300000000202051"
    buyer = tree.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(buyer, "cac:PartyLegalEntity/cbc:RegistrationName") == "ACME Corp"
    assert _text(buyer, "cac:PartyIdentification/cbc:ID") == "ACME"
    assert (buyer.find("cbc:EndpointID", NS).get("schemeID"), _text(buyer, "cbc:EndpointID")) == ("0088", "0614141000029")


def test_a_credit_note_refers_to_the_invoice_it_credits(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=[line(unit_price="80.00", tax_category="S", tax_rate="20")])
    credit = credit_note_create(actor=personas.finance, invoice=invoice, amount="30.00")

    tree = _assert_valid_and_exact(credit)

    assert etree.QName(tree).localname == "CreditNote"
    assert _text(tree, "cbc:CreditNoteTypeCode") == "381"
    assert tree.find("cbc:DueDate", NS) is None
    assert _text(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == invoice.number
    assert _text(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == str(invoice.issue_date)
    assert tree.findall("cac:InvoiceLine", NS) == []
    assert tree.find("cac:CreditNoteLine/cbc:CreditedQuantity", NS) is not None


def test_a_debit_note_is_an_invoice_of_type_383_referring_to_its_invoice(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    debit = debit_note_create(actor=personas.finance, company=personas.acme, invoice=invoice, lines=[line(unit_price="12.00")])

    tree = _assert_valid_and_exact(debit)

    assert etree.QName(tree).localname == "Invoice"
    assert _text(tree, "cbc:InvoiceTypeCode") == "383"
    assert _text(tree, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == invoice.number


ZERO_RATED = [
    ("Z", None),
    ("E", "Exempt from VAT"),
    ("AE", "Reverse charge"),
    ("K", "Intra-community supply"),
    ("G", "Export outside the EU"),
    ("O", "Not subject to VAT"),
]


@pytest.mark.parametrize(("category", "reason"), ZERO_RATED)
def test_a_zero_rated_or_exempt_invoice_names_its_exemption_reason(personas: Personas, category: str, reason: str | None) -> None:
    # An EU customer with a VAT id: reverse charge (AE) and intra-community supplies (K) need it.
    invoice = make_invoice(company=personas.globex, lines=[line(unit_price="70.00", tax_category=category, tax_rate="0")] * 2)

    tree = _assert_valid_and_exact(invoice)

    vat = tree.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", NS)
    assert _text(vat, "cbc:ID") == category
    assert vat.findtext("cbc:TaxExemptionReason", namespaces=NS) == reason
    has_rate = vat.find("cbc:Percent", NS) is not None
    assert has_rate is (category != "O")
    assert _text(tree, "cac:TaxTotal/cbc:TaxAmount") == "0.00"


def test_a_yen_invoice_has_amounts_without_decimals(personas: Personas) -> None:
    company = make_company(
        name="Nakamura KK", currency="JPY", country="JP", tax_id="T1234567890123", peppol_scheme="0221", peppol_id="T1234567890123"
    )
    invoice = make_invoice(company=company, lines=[line(quantity="3", unit_price="1234", tax_category="S", tax_rate="10")] * 2)

    tree = _assert_valid_and_exact(invoice)

    assert _text(tree, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") == "7404"
    assert _text(tree, "cac:TaxTotal/cbc:TaxAmount") == "740"
    assert _text(tree, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "8144"
    assert not any("." in (el.text or "") for el in tree.iter() if el.get("currencyID"))
    buyer = tree.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "JP"
    # A tax id without a country prefix is not claimed as a VAT id.
    assert buyer.find("cac:PartyTaxScheme", NS) is None
    assert _text(buyer, "cac:PartyLegalEntity/cbc:CompanyID") == "T1234567890123"


def test_a_buyer_without_a_country_takes_it_from_its_vat_id(personas: Personas) -> None:
    company = make_company(name="Olympia AE", currency="EUR", tax_id="EL094259216", peppol_scheme="9933", peppol_id="EL094259216")
    tree = _assert_valid_and_exact(make_invoice(company=company))
    buyer = tree.find("cac:AccountingCustomerParty/cac:Party", NS)
    assert _text(buyer, "cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "GR"
    assert _text(buyer, "cac:PartyTaxScheme/cbc:CompanyID") == "EL094259216"


def test_a_draft_has_no_e_invoice(personas: Personas) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    with pytest.raises(DocumentNotIssued):
        invoice_ubl(draft)


def test_a_document_whose_stored_totals_no_longer_match_its_lines_is_not_exported(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    Invoice.objects.filter(pk=invoice.pk).update(total="999.00", balance="999.00")
    invoice.refresh_from_db()
    with pytest.raises(StoredTotalsMismatch, match="check-books"):
        invoice_ubl(invoice)


def test_a_batch_is_exported_in_a_fixed_number_of_queries(personas: Personas, django_assert_num_queries: Any) -> None:
    invoices = [make_invoice(company=c, lines=3) for c in (personas.acme, personas.globex) for _ in range(3)]
    seller = portal_settings()
    with django_assert_num_queries(2):  # the documents with their company, order and related invoice; their lines
        documents = [invoice_ubl(inv, seller=seller) for inv in for_ubl(Invoice.objects.filter(pk__in=[i.pk for i in invoices]))]
    assert len(documents) == 6
    assert all(fatal(validate_ubl(doc)) == [] for doc in documents)
