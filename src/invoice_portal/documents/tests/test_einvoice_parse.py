"""The one e-invoice parser: every Peppol BIS example and our CII examples read field by field, and
hostile or broken XML refused with a typed 4xx error, never an exception of lxml's."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from invoice_portal.documents.einvoice.parse import (
    Address,
    AllowanceCharge,
    Contact,
    DocumentKind,
    DocumentReference,
    EInvoiceInvalid,
    EInvoiceRefused,
    EInvoiceTooLarge,
    Identifier,
    PaymentMeans,
    Syntax,
    TaxSubtotal,
    detect_syntax,
    parse_einvoice,
)
from invoice_portal.documents.einvoice.parse.model import kind_of_type_code

HERE = Path(__file__).parent / "einvoice"
EXAMPLES = sorted((HERE / "peppol").glob("*.xml"))
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


def example(name: str) -> bytes:
    return next(p for p in EXAMPLES if p.name == name).read_bytes()


def test_all_eight_peppol_examples_are_there() -> None:
    assert len(EXAMPLES) == 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_peppol_example_reads_as_its_xml_says(path: Path) -> None:
    """Cross-checked against XPath over the same file: header, parties, every line, tax and totals."""
    data = path.read_bytes()
    doc = parse_einvoice(data)
    tree = etree.fromstring(data)
    x = lambda p: tree.xpath(f"string({p})", namespaces=NS).strip()  # noqa: E731
    credit = etree.QName(tree).localname == "CreditNote"
    assert doc.syntax == Syntax.UBL
    assert doc.kind == (DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE)
    assert doc.number == x("cbc:ID")
    assert doc.issue_date == dt.date.fromisoformat(x("cbc:IssueDate"))
    assert doc.currency == x("cbc:DocumentCurrencyCode")
    assert doc.buyer_reference == x("cbc:BuyerReference")
    assert doc.order_reference == x("cac:OrderReference/cbc:ID")
    assert doc.customization_id == x("cbc:CustomizationID")
    for role, party in (("AccountingSupplierParty", doc.seller), ("AccountingCustomerParty", doc.buyer)):
        p = f"cac:{role}/cac:Party"
        assert party.name == (x(f"{p}/cac:PartyLegalEntity/cbc:RegistrationName") or x(f"{p}/cac:PartyName/cbc:Name"))
        assert party.endpoint == Identifier(x(f"{p}/cbc:EndpointID"), x(f"{p}/cbc:EndpointID/@schemeID"))
        assert party.vat_id == x(f"{p}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID")
        assert (party.legal_id.value if party.legal_id else "") == x(f"{p}/cac:PartyLegalEntity/cbc:CompanyID")
        assert party.address.city == x(f"{p}/cac:PostalAddress/cbc:CityName")
        assert party.address.country == x(f"{p}/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
        assert party.contact.email == x(f"{p}/cac:Contact/cbc:ElectronicMail")
    line_elements = tree.findall("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS)
    assert len(doc.lines) == len(line_elements) > 0
    for line, element in zip(doc.lines, line_elements, strict=True):
        y = lambda p, e=element: e.xpath(f"string({p})", namespaces=NS).strip()  # noqa: E731
        quantity = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
        assert line.id == y("cbc:ID")
        assert line.quantity == Decimal(y(quantity))
        assert line.unit_code == y(f"{quantity}/@unitCode")
        assert line.net_amount == Decimal(y("cbc:LineExtensionAmount"))
        assert line.unit_price == Decimal(y("cac:Price/cbc:PriceAmount"))
        assert line.name == y("cac:Item/cbc:Name")
        assert line.seller_item_id == y("cac:Item/cac:SellersItemIdentification/cbc:ID")
        assert line.tax_category == y("cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        rate = y("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
        assert line.tax_rate == (Decimal(rate) if rate else None)
        assert len(line.allowances_charges) == len(element.findall("cac:AllowanceCharge", NS))
    # The document's own arithmetic, as read: lines sum to the line total, the breakdown to the VAT total.
    assert sum((ln.net_amount for ln in doc.lines), Decimal(0)) == doc.totals.line_total
    assert sum((t.tax_amount for t in doc.tax_subtotals), Decimal(0)) == doc.totals.tax
    assert doc.totals.tax_inclusive == Decimal(x("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"))
    assert doc.totals.payable == Decimal(x("cac:LegalMonetaryTotal/cbc:PayableAmount"))
    allowances = sum((a.amount for a in doc.allowances_charges if not a.charge), Decimal(0))
    charges = sum((a.amount for a in doc.allowances_charges if a.charge), Decimal(0))
    assert doc.totals.tax_exclusive == doc.totals.line_total - allowances + charges


def test_base_example_every_field() -> None:
    doc = parse_einvoice(example("base-example.xml"))
    assert (doc.type_code, doc.number, doc.issue_date, doc.due_date) == ("380", "Snippet1", dt.date(2017, 11, 13), dt.date(2017, 12, 1))
    assert doc.profile_id == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert (doc.accounting_cost, doc.delivery_date, doc.tax_currency) == ("4025:123:4343", dt.date(2017, 11, 1), "")
    assert doc.seller.trading_name == "SupplierTradingName Ltd."
    assert doc.seller.name == "SupplierOfficialName Ltd"
    assert doc.seller.identifiers == (Identifier("99887766"),)
    assert doc.seller.legal_id == Identifier("GB983294")
    assert doc.seller.endpoint == Identifier("9482348239847239874", "0088")
    assert doc.seller.address == Address(
        street="Main street 1", additional_street="Postbox 123", city="London", postal_zone="GB 123 EW", country="GB"
    )
    assert doc.buyer.legal_id == Identifier("39937423947", "0183")
    assert doc.buyer.identifiers == (Identifier("FR23342", "0002"),)
    assert doc.buyer.vat_id == "SE4598375937"
    assert doc.buyer.contact == Contact(name="Lisa Johnson", phone="23434234", email="lj@buyer.se")
    assert doc.payment_means == (
        PaymentMeans(
            code="30", text="Credit transfer", payment_id="Snippet1", account_id="IBAN32423940", account_name="AccountName",
            service_provider_id="BIC324098",
        ),
    )  # fmt: skip
    assert doc.payment_terms == "Payment within 10 days, 2% discount"
    assert doc.allowances_charges == (
        AllowanceCharge(charge=True, amount=Decimal(25), reason="Insurance", tax_category="S", tax_rate=Decimal("25.0")),
    )
    assert doc.tax_subtotals == (TaxSubtotal(category="S", rate=Decimal(25), taxable_amount=Decimal(1325), tax_amount=Decimal("331.25")),)
    first, second = doc.lines
    assert (first.description, first.standard_item_id, first.order_line_reference) == (
        "Description of item", Identifier("21382183120983", "0088"), "123",
    )  # fmt: skip
    assert (second.quantity, second.net_amount) == (Decimal(-3), Decimal(-1500))
    assert doc.totals.charge_total == Decimal(25)
    assert doc.totals.allowance_total is None
    assert doc.totals.prepaid is None


def test_allowance_example_reads_price_details_line_charges_prepaid_and_tax_currency() -> None:
    doc = parse_einvoice(example("Allowance-example.xml"))
    line = doc.lines[0]
    assert (line.unit_price, line.gross_price, line.price_discount, line.base_quantity) == (
        Decimal(410), Decimal(450), Decimal(40), Decimal(1),
    )  # fmt: skip
    assert line.allowances_charges[0] == AllowanceCharge(
        charge=True, amount=Decimal(1), base_amount=Decimal(100), percent=Decimal(1), reason="Cleaning", reason_code="CG"
    )
    assert line.note == "Testing note on line level"
    assert doc.lines[1].base_quantity == Decimal(2)
    assert (doc.lines[1].period_start, doc.lines[1].period_end) == (dt.date(2017, 12, 1), dt.date(2017, 12, 5))
    assert (doc.period_start, doc.period_end) == (dt.date(2017, 12, 1), dt.date(2017, 12, 31))
    assert (doc.totals.prepaid, doc.totals.payable, doc.totals.allowance_total) == (Decimal(1000), Decimal("6125.00"), Decimal(200))
    assert (doc.tax_currency, doc.totals.tax_in_tax_currency) == ("SEK", Decimal("9324.00"))
    assert doc.contract_reference == "framework no 1"
    assert doc.buyer.address.subdivision == "Södermalm"
    assert doc.tax_subtotals[1].exemption_reason == "Reason for tax exempt"


def test_credit_note_reads_its_preceding_invoice() -> None:
    doc = parse_einvoice(example("base-creditnote-correction.xml"))
    assert (doc.kind, doc.type_code) == (DocumentKind.CREDIT_NOTE, "381")
    assert doc.preceding_invoices == (DocumentReference("Snippet1"),)


def test_negative_invoice_keeps_its_signs() -> None:
    doc = parse_einvoice(example("base-negative-inv-correction.xml"))
    assert doc.kind == DocumentKind.INVOICE
    assert (doc.number, doc.totals.payable, doc.totals.tax) == ("Correction1", Decimal("-1656.25"), Decimal("-331.25"))
    assert doc.preceding_invoices
    assert doc.preceding_invoices[0].number


def test_category_o_has_no_rate() -> None:
    doc = parse_einvoice(example("vat-category-O.xml"))
    assert (doc.lines[0].tax_category, doc.lines[0].tax_rate) == ("O", None)
    assert doc.tax_subtotals[0] == TaxSubtotal(
        category="O", rate=None, taxable_amount=Decimal("3200.00"), tax_amount=Decimal("0.00"), exemption_reason="Not subject to VAT"
    )
    assert doc.seller.vat_id == ""
    assert doc.buyer.endpoint == Identifier("987654325", "0192")


def test_cii_base_example_reads_as_the_ubl_it_was_written_from() -> None:
    """cii-base-example.xml is base-example.xml in CII; where CII says the same, the neutral structures agree."""
    ubl = parse_einvoice(example("base-example.xml"))
    cii = parse_einvoice((HERE / "cii-base-example.xml").read_bytes())
    assert cii.syntax == Syntax.CII
    assert detect_syntax((HERE / "cii-base-example.xml").read_bytes()) == Syntax.CII
    # What the CII example adds on purpose (a PO number, a seller item id, a gross price), and what
    # base-example.xml carries that the CII version leaves out (notes, accounting cost, line 2's ids).
    assert cii.order_reference == "PO-4711"
    assert (cii.lines[0].seller_item_id, cii.lines[0].gross_price, cii.lines[0].price_discount) == ("SKU-1", Decimal(410), Decimal(10))
    assert cii.lines[1].base_quantity == Decimal(1)
    assert cii.seller.identifiers == (Identifier("99887766"),)
    assert cii.buyer.identifiers == (Identifier("FR23342", "0002"),)
    same = dataclasses.replace(
        cii,
        syntax=Syntax.UBL,
        order_reference="",
        customization_id=ubl.customization_id,
        profile_id=ubl.profile_id,
        accounting_cost=ubl.accounting_cost,
        notes=ubl.notes,
        lines=(
            dataclasses.replace(cii.lines[0], seller_item_id="", gross_price=None, price_discount=None),
            dataclasses.replace(
                cii.lines[1], base_quantity=None, base_quantity_unit_code="", standard_item_id=ubl.lines[1].standard_item_id,
                order_line_reference="123",
            ),
        ),
    )  # fmt: skip
    ubl_rates = dataclasses.replace(
        ubl,
        lines=tuple(dataclasses.replace(ln, tax_rate=Decimal(25)) for ln in ubl.lines),
        allowances_charges=tuple(dataclasses.replace(a, tax_rate=Decimal(25)) for a in ubl.allowances_charges),
    )
    assert same == ubl_rates


def test_cii_credit_note() -> None:
    doc = parse_einvoice((HERE / "cii-creditnote.xml").read_bytes())
    assert (doc.kind, doc.type_code, doc.number) == (DocumentKind.CREDIT_NOTE, "381", "CN-Snippet1")
    assert doc.preceding_invoices == (DocumentReference("Snippet1", dt.date(2017, 11, 13)),)
    assert (doc.totals.line_total, doc.totals.tax, doc.totals.payable) == (Decimal(2800), Decimal("706.25"), Decimal("3531.25"))
    assert doc.payment_means[0].payment_id == "CN-Snippet1"


@pytest.mark.parametrize(
    ("code", "kind"),
    [("380", "invoice"), ("384", "invoice"), ("386", "invoice"), ("389", "invoice"), ("383", "debit_note"), ("381", "credit_note"),
     ("396", "credit_note"), ("261", "credit_note")],
)  # fmt: skip
def test_type_codes_map_to_what_they_do_to_the_balance(code: str, kind: str) -> None:
    assert kind_of_type_code(code) == kind


# --- Hostile and broken input --------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol3;</ID></Invoice>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&xxe;</ID></Invoice>"""
XXE_NETWORK = b"""<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, XXE, XXE_NETWORK, XXE.decode().replace('encoding="UTF-8"', "").encode("utf-16")],
    ids=["billion-laughs", "xxe-file", "xxe-network-dtd", "xxe-utf16"],
)
def test_doctype_entities_and_bombs_are_refused(data: bytes) -> None:
    with pytest.raises(EInvoiceRefused, match="DOCTYPE") as caught:
        parse_einvoice(data)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<Invoice", "not well-formed"),
        (b"\xff\xfe\x00garbage", "not well-formed|cannot be read"),
        (b"<html><body/></html>", "root element"),
        (b'{"company": 1}', "not well-formed"),
    ],
)
def test_malformed_or_foreign_xml_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(EInvoiceRefused, match=message):
        parse_einvoice(data)


def test_too_large_a_document_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(EInvoiceTooLarge) as caught:
        parse_einvoice(example("base-example.xml"), max_bytes=1000)
    assert caught.value.status == 413


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (b'<cbc:PayableAmount currencyID="EUR">1656.25<', b'<cbc:PayableAmount currencyID="EUR">lots<', "PayableAmount"),
        (b'<cbc:PayableAmount currencyID="EUR">1656.25<', b'<cbc:PayableAmount currencyID="EUR">NaN<', "PayableAmount"),
        (b'<cbc:PayableAmount currencyID="EUR">1656.25<', b'<cbc:PayableAmount currencyID="EUR">1E+999<', "PayableAmount"),
        (b"<cbc:IssueDate>2017-11-13<", b"<cbc:IssueDate>13.11.2017<", "IssueDate"),
        (b'<cbc:PayableAmount currencyID="EUR">1656.25</cbc:PayableAmount>', b"", "LegalMonetaryTotal"),
    ],
)
def test_unreadable_values_name_where_they_are(old: bytes, new: bytes, where: str) -> None:
    data = example("base-example.xml")
    assert old in data
    with pytest.raises(EInvoiceInvalid, match=where) as caught:
        parse_einvoice(data.replace(old, new, 1))
    assert caught.value.status == 422
    assert where in caught.value.location
