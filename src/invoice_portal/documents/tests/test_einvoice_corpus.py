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


# --- The national rules of Peppol BIS for sellers (and customers) of other countries (``einvoice.national``) ---------


def _seller_in(country: str, tax_id: str, *, address: str = "Street 1\n12345 City", peppol: tuple[str, str] = ("0088", "0614141000012"),
               iban: str = "") -> None:  # fmt: skip
    portal_settings_update(
        actor=None, seller_name=f"Seller {country}", seller_address=address, seller_country=country, seller_tax_id=tax_id,
        seller_peppol_scheme=peppol[0], seller_peppol_id=peppol[1], seller_iban=iban,
    )  # fmt: skip


def _legal_id(content: bytes, party: str = "AccountingSupplierParty") -> tuple[str, str | None]:
    element = _tree(content).find(f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", NS)
    return ("", None) if element is None else (element.text, element.get("schemeID"))


def _s(rate: str) -> list[dict[str, Any]]:
    return [line(unit_price="80.00", tax_category="S", tax_rate=rate)]


def test_a_dutch_sellers_and_dutch_customers_kvk_number_is_their_legal_id_under_scheme_0106(peppol_customers: Personas) -> None:
    """NL-R-003 / NL-R-005: a Dutch seller's legal id, and its Dutch customer's, is a KvK (0106) or OIN (0190) number."""
    _dutch_seller()
    portal_settings_update(actor=None, seller_tax_id="KvK 1234 5678")
    customer = make_company(name="Klant BV", currency="EUR", country="NL", tax_id="87654321", address_line1="Dam 1",
                            city="Amsterdam", postal_code="1012 JS", peppol_scheme="0106", peppol_id="87654321")  # fmt: skip
    invoice = make_invoice(company=customer, lines=_s("21"))
    for document in (invoice, credit_note_create(actor=peppol_customers.finance, invoice=invoice, amount="10.00")):
        content = invoice_ubl(document)
        assert _broken(content) == []
        assert _legal_id(content) == ("12345678", "0106")
        assert _legal_id(content, "AccountingCustomerParty") == ("87654321", "0106")
    public = make_company(name="Gemeente", currency="EUR", country="NL", tax_id="00000001234567890000", address_line1="Dam 2",
                          city="Amsterdam", postal_code="1012 JS", peppol_scheme="0190", peppol_id="00000001234567890000")  # fmt: skip
    oin = _legal_id(invoice_ubl(make_invoice(company=public, lines=_s("21"))), "AccountingCustomerParty")
    assert oin == ("00000001234567890000", "0190")


def test_a_dutch_seller_or_dutch_customer_whose_tax_id_is_no_kvk_or_oin_number_has_no_peppol_e_invoice(peppol_customers: Personas) -> None:
    _dutch_seller()
    customer = make_company(name="Klant BV", currency="EUR", country="NL", tax_id="RSIN 8012.34.567", address_line1="Dam 1",
                            city="Amsterdam", postal_code="1012 JS", peppol_scheme="0106", peppol_id="87654321")  # fmt: skip
    with pytest.raises(EInvoiceNotPossible, match=r"Klant BV's tax id 'RSIN 8012.34.567' is neither \(NL-R-005\)"):
        invoice_ubl(make_invoice(company=customer, lines=_s("21")))
    # A customer abroad is not the Dutch rules' concern.
    assert _broken(invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("21")))) == []
    portal_settings_update(actor=None, seller_tax_id="RSIN 8012.34.567")
    with pytest.raises(EInvoiceNotPossible, match="NL-R-003"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("21")))


def _danish_customer() -> Company:
    return make_company(name="Kunde ApS", currency="DKK", country="DK", tax_id="DK87654321", address_line1="Vesterbrogade 1",
                        city="København", postal_code="1620", peppol_scheme="0184", peppol_id="DK87654321",
                        external_id="KUNDE-1")  # fmt: skip


def test_a_danish_seller_states_its_cvr_number_under_0184_and_pays_domestically_to_a_danish_account(peppol_customers: Personas) -> None:
    """DK-R-002 / DK-R-014: the seller's CVR number (its VAT number is DK and the CVR number); between Danish parties
    party ids carry a scheme (DK-R-013) and a transfer outside SEPA goes to registration and account number (DK-R-005/006)."""
    _seller_in("DK", "DK12345678", peppol=("0184", "DK12345678"), iban="DK50 0040 0440 1162 43")
    customer = _danish_customer()
    invoice = make_invoice(company=customer, currency="DKK", lines=_s("25"))
    content = invoice_ubl(invoice)
    assert _broken(content) == []
    assert _legal_id(content) == ("DK12345678", "0184")
    tree = _tree(content)
    assert tree.find("cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification", NS) is None
    assert tree.findtext("cbc:BuyerReference", namespaces=NS) == "KUNDE-1"
    assert tree.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) == "42"
    assert tree.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) == "0440116243"
    assert tree.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", namespaces=NS) == "0040"
    credit = credit_note_create(actor=peppol_customers.finance, invoice=invoice, amount="10.00")
    in_eur = make_invoice(company=customer, currency="EUR", lines=_s("25"))
    for document in (credit, in_eur, make_invoice(company=peppol_customers.globex, lines=_s("25"))):
        content = invoice_ubl(document)
        assert _broken(content) == []
        assert _tree(content).findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=NS) in ("30", "58")


def test_a_danish_seller_without_a_cvr_number_or_a_danish_account_for_a_domestic_transfer_has_no_peppol_e_invoice(
    peppol_customers: Personas,
) -> None:
    _seller_in("DK", "SE-nr 1234", iban="DK5000400440116243")
    with pytest.raises(EInvoiceNotPossible, match=r"Danish seller states its CVR number as legal id \(DK-R-002, DK-R-014\)"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("25")))
    portal_settings_update(actor=None, seller_tax_id="CVR-nr. 12345678", seller_iban="DE02120300000000202051")
    assert _legal_id(invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("25")))) == ("DK12345678", "0184")
    with pytest.raises(EInvoiceNotPossible, match=r"no Danish IBAN.*\(DK-R-005, DK-R-006\)|DK-R-005, DK-R-006.*no Danish IBAN"):
        invoice_ubl(make_invoice(company=_danish_customer(), currency="DKK", lines=_s("25")))


def test_an_icelandic_seller_and_icelandic_customer_state_their_kennitala_under_0196(peppol_customers: Personas) -> None:
    """IS-R-002 to IS-R-005: the kennitala of an Icelandic seller, and of its Icelandic customer, and their street and postal code."""
    _seller_in("IS", "550269-4149", address="Laugavegur 1\n101 Reykjavík")
    customer = make_company(name="Viðskiptavinur ehf", currency="ISK", country="IS", address_line1="Austurstræti 2", city="Reykjavík",
                            postal_code="101", peppol_scheme="0196", peppol_id="4101692659")  # fmt: skip
    content = invoice_ubl(make_invoice(company=customer, currency="ISK", lines=[line(unit_price="8000", tax_category="S", tax_rate="24")]))
    assert _broken(content) == []
    assert _legal_id(content) == ("5502694149", "0196")
    assert _legal_id(content, "AccountingCustomerParty") == ("4101692659", "0196")
    Company.objects.filter(pk=customer.pk).update(peppol_scheme="0088", peppol_id="0614141000043")
    customer.refresh_from_db()
    with pytest.raises(EInvoiceNotPossible, match=r"Icelandic customer's kennitala \(IS-R-004\)"):
        invoice_ubl(make_invoice(company=customer, currency="ISK", lines=[line(unit_price="8000", tax_category="S", tax_rate="24")]))
    portal_settings_update(actor=None, seller_tax_id="IS12345")
    with pytest.raises(EInvoiceNotPossible, match="IS-R-002"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("24")))


def test_a_swedish_seller_charges_the_swedish_standard_rates_under_a_swedish_vat_number(peppol_customers: Personas) -> None:
    """SE-R-006: 25, 12 or 6 % on standard-rated lines (and the discount); SE-R-001/002: SE and 12 digits."""
    _seller_in("SE", "SE556732170701", peppol=("0007", "5567321707"))
    for rate in ("25", "12", "6"):
        assert _broken(invoice_ubl(make_invoice(company=peppol_customers.globex, currency="SEK", lines=_s(rate)))) == []
    with pytest.raises(EInvoiceNotPossible, match=r"line 2 is at 19 % \(SE-R-006\)"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=[*_s("25"), *_s("19")]))
    discounted = make_invoice(
        company=peppol_customers.globex, lines=_s("25"), discount="5.00", discount_tax_category="S", discount_tax_rate="25"
    )
    assert _broken(invoice_ubl(discounted)) == []
    portal_settings_update(actor=None, seller_tax_id="SE5567321707")
    with pytest.raises(EInvoiceNotPossible, match=r"SE-R-001, SE-R-002"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("25")))


def test_a_swedish_sellers_organisation_number_is_its_legal_id_never_its_tax_registration(peppol_customers: Personas) -> None:
    """SE-R-005: a Swedish seller's tax registration may only say "Godkänd för F-skatt"; the organisation number is no VAT
    id, so taxed lines need one, and a document not subject to VAT states the number as legal id alone."""
    _seller_in("SE", "556732-1707", peppol=("0007", "5567321707"))
    content = invoice_ubl(make_invoice(company=peppol_customers.globex, lines=[line(unit_price="80.00", tax_category="O")]))
    assert _broken(content) == []
    assert _legal_id(content) == ("5567321707", "0007")  # SE-R-003, SE-R-004, SE-R-013 (warnings): 10 digits, Luhn
    assert _tree(content).findall("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme", NS) == []
    with pytest.raises(EInvoiceNotPossible, match=r"Swedish seller's VAT number.*SE-R-005"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("25")))


def test_a_norwegian_vat_number_is_no_a_valid_organisation_number_and_mva(peppol_customers: Personas) -> None:
    """NO-R-001."""
    _seller_in("NO", "NO974760673MVA", peppol=("0192", "974760673"))
    assert _broken(invoice_ubl(make_invoice(company=peppol_customers.globex, currency="NOK", lines=_s("25")))) == []
    portal_settings_update(actor=None, seller_tax_id="NO974760674MVA")
    with pytest.raises(EInvoiceNotPossible, match="NO-R-001"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, currency="NOK", lines=_s("25")))


def test_an_italian_sellers_tax_number_is_11_to_16_letters_and_digits_and_its_address_complete(peppol_customers: Personas) -> None:
    """IT-R-001 to IT-R-004."""
    _seller_in("IT", "RSSMRA85T10A562S", address="Via Roma 1\n00184 Roma")
    assert _broken(invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("22")))) == []
    portal_settings_update(actor=None, seller_address="Via Roma 1")
    with pytest.raises(EInvoiceNotPossible, match="IT-R-002 to IT-R-004"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("22")))
    portal_settings_update(actor=None, seller_address="Via Roma 1\n00184 Roma", seller_tax_id="12345")
    with pytest.raises(EInvoiceNotPossible, match="IT-R-001"):
        invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s("22")))


def test_a_greek_seller_has_no_peppol_e_invoice_for_want_of_the_mydata_mark(peppol_customers: Personas) -> None:
    """GR-R-001, GR-R-004-1: the MARK and the six-segment number come from myDATA, which the portal does not talk to."""
    _seller_in("GR", "EL094259216", address="Odos 1\n10557 Athina", peppol=("9933", "EL094259216"))
    invoice = make_invoice(company=peppol_customers.globex, lines=_s("24"))
    with pytest.raises(EInvoiceNotPossible, match=r"MARK.*GR-R-004-1"):
        invoice_ubl(invoice)
    assert _cii_broken(invoice_cii(invoice)) == []  # the national rules are Peppol BIS's: CII and Factur-X stay


@pytest.mark.parametrize(
    ("seller", "xpath", "attribute", "value", "rule"),
    [
        (("NL", "KvK 12345678"), "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", None, "NL-R-003"),
        (("DK", "DK12345678"), "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", "0088", "DK-R-014"),
        (("SE", "SE556732170701"), "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", None, "19", "SE-R-006"),
        (("IS", "5502694149"), "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", "schemeID", None, "IS-R-002"),
        (("NO", "NO974760673MVA"), "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID", None, "NO974760674MVA",
         "NO-R-001"),
    ],
)  # fmt: skip
def test_the_peppol_rule_helper_catches_a_broken_national_rule(
    peppol_customers: Personas, seller: tuple[str, str], xpath: str, attribute: str | None, value: str | None, rule: str
) -> None:
    """``peppol_rules`` guards the national rules: the document it passes breaks the rule once one value is changed."""
    _seller_in(*seller, address="Keizersgracht 1\n1015 CJ Amsterdam", iban="NL91ABNA0417164300")
    rate = {"NL": "21", "DK": "25", "SE": "25", "IS": "24", "NO": "25"}[seller[0]]
    content = invoice_ubl(make_invoice(company=peppol_customers.globex, lines=_s(rate)))
    assert peppol_violations(content) == []
    tree = _tree(content)
    element = tree.find(xpath, NS)
    if attribute is None:
        element.text = value
    elif value is None:
        del element.attrib[attribute]
    else:
        element.set(attribute, value)
    assert rule in {found for found, _ in peppol_violations(etree.tostring(tree))}
