"""Round trip: every e-invoice we export imports back as the same document (a hypothesis property).

Our export (UBL, ``einvoice.ubl``, or CII, ``einvoice.cii``) of a random issued document, sent back as if the ERP had issued it under
another number, passes the official EN 16931 validation and becomes a document with the same lines,
discount, tax breakdown, totals, dates, references and customer. What the XML does not carry is left
out of the comparison: a line's kind (cost lines are ordinary lines in EN 16931) and a credit note's
due date (UBL's CreditNote has none).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import minor_digits
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.cii import invoice_cii
from invoice_portal.documents.einvoice.intake import issued_einvoice_import
from invoice_portal.documents.einvoice.parse import Identifier, parse_einvoice
from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.invoices.models import Invoice, Kind
from invoice_portal.invoices.services import invoice_create, invoice_issue
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.testing import make_company

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)

# VAT regimes a document can be in under EN 16931: standard rates mixed with zero-rated and exempt
# lines; not subject to VAT (O, alone); reverse charge (AE, alone); intra-community supply (K, alone);
# export outside the EU (G, alone).
REGIMES = {
    "standard": [("S", Decimal(19)), ("S", Decimal(7)), ("S", Decimal("8.875")), ("Z", Decimal(0)), ("E", Decimal(0))],
    "not_subject": [("O", Decimal(0))],
    "intra_community": [("K", Decimal(0))],
    "reverse_charge": [("AE", Decimal(0))],
    "export": [("G", Decimal(0))],
}
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "SEK"]
TEXT = (
    st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    currency = draw(st.sampled_from(CURRENCIES))
    digits = minor_digits(currency)
    regime = draw(st.sampled_from(sorted(REGIMES)))
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        category, rate = draw(st.sampled_from(REGIMES[regime]))
        quantity = Decimal(draw(st.integers(1, 100_000))).scaleb(-draw(st.integers(0, 4)))
        unit_price = Decimal(draw(st.integers(0, 10_000_000))).scaleb(-draw(st.integers(0, 4)))
        gross = (quantity * unit_price).quantize(Decimal(1).scaleb(-digits))
        assume(gross <= Decimal(100_000_000))  # five such lines with VAT stay under the installation's maximum amount
        discount = Decimal(draw(st.integers(0, int(gross.scaleb(digits))))).scaleb(-digits) if draw(st.booleans()) else Decimal(0)
        lines.append({
            "kind": draw(st.sampled_from(["item", "cost"])), "description": draw(TEXT), "sku": draw(st.one_of(st.just(""), TEXT)),
            "quantity": quantity, "unit_price": unit_price, "discount": discount, "tax_category": category, "tax_rate": rate,
            "unit_code": draw(st.sampled_from(["C62", "HUR", "KGM", "DAY"])),
        })  # fmt: skip
    header: dict[str, Any] = {"notes": draw(st.one_of(st.just(""), TEXT)), "po_number": draw(st.one_of(st.just(""), TEXT))}
    header["payment_instructions"] = draw(st.one_of(st.just(""), TEXT))
    nets = compute_totals(
        [LineInput(ln["quantity"], ln["unit_price"], ln["discount"], ln["tax_category"], ln["tax_rate"]) for ln in lines],
        currency=currency,
    ).line_nets
    first = lines[0]
    same_vat = sum(
        (
            n
            for ln, n in zip(lines, nets, strict=True)
            if (ln["tax_category"], ln["tax_rate"]) == (first["tax_category"], first["tax_rate"])
        ),
        Decimal(0),
    )
    if draw(st.booleans()) and same_vat > 0:
        header["discount"] = Decimal(draw(st.integers(1, int(same_vat.scaleb(digits))))).scaleb(-digits)
        header["discount_tax_category"], header["discount_tax_rate"] = first["tax_category"], first["tax_rate"]
    kind = draw(st.sampled_from([Kind.INVOICE, Kind.INVOICE, Kind.DEBIT_NOTE, Kind.CREDIT_NOTE]))
    return {"currency": currency, "lines": lines, "header": header, "kind": kind}


@pytest.fixture
def customer(eu_seller: PortalSettings) -> Company:
    return make_company(
        name="Kunde & Söhne <AG>", currency="EUR", external_id="K-RT", tax_id="DE999999999", peppol_scheme="9930",
        peppol_id="DE999999999", email="ap@kunde.test", country="DE", address_line1="Weg 1", city="Köln", postal_code="50667",
        phone="+49 221 1",
    )  # fmt: skip


LINE_FIELDS = ("line_no", "description", "sku", "quantity", "unit_code", "unit_price", "discount", "tax_category", "tax_rate", "net_amount")
HEADER_FIELDS = (
    "kind", "company_id", "currency", "issue_date", "service_start", "service_end", "notes", "po_number", "payment_instructions",
    "discount", "discount_tax_category", "discount_tax_rate", "line_net_total", "allowance_total", "tax_exclusive_total",
    "tax_total", "total", "balance",
)  # fmt: skip


def _view(invoice: Invoice) -> dict[str, Any]:
    view = {name: getattr(invoice, name) for name in HEADER_FIELDS}
    if invoice.kind != Kind.CREDIT_NOTE:
        view["due_date"] = invoice.due_date
    view["lines"] = [tuple(getattr(ln, f) for f in LINE_FIELDS) for ln in invoice.lines.order_by("line_no")]
    return view


EXPORTS = {"ubl": invoice_ubl, "cii": invoice_cii}


@settings(
    max_examples=30, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)  # fmt: skip
@given(document=documents(), syntax=st.sampled_from(sorted(EXPORTS)))
def test_every_export_imports_back_to_the_same_document(customer: Company, document: dict[str, Any], syntax: str) -> None:
    customer.currency = document["currency"]
    draft = invoice_create(
        actor=None, company=customer, lines=document["lines"], kind=document["kind"], currency=document["currency"], **document["header"]
    )
    original = invoice_issue(actor=None, invoice=draft)
    original = Invoice.objects.get(pk=original.pk)
    try:
        exported = EXPORTS[syntax](original)
    except EInvoiceNotPossible:
        assume(False)  # a document the export refuses (with its reason) has no e-invoice to import back
    number = f"RT-{next(_numbers)}"
    xml = exported.replace(f">{original.number}<".encode(), f">{number}<".encode())
    result = issued_einvoice_import(actor=None, xml=xml)
    assert result.created
    assert result.invoice.source == syntax
    assert _view(Invoice.objects.get(pk=result.invoice.pk)) == _view(original)
    # The parties, as far as our company and settings store them (a document not subject to VAT names no VAT ids: BR-O-02).
    parsed = parse_einvoice(xml)
    buyer = parsed.buyer
    not_subject = {ln.tax_category for ln in original.lines.all()} == {"O"}
    assert (buyer.name, buyer.contact.email, buyer.contact.phone) == (customer.name, customer.email, customer.phone)
    assert buyer.vat_id == ("" if not_subject else customer.tax_id)
    assert buyer.endpoint == Identifier(customer.peppol_id, customer.peppol_scheme)
    assert (buyer.address.street, buyer.address.city, buyer.address.postal_zone, buyer.address.country) == (
        customer.address_line1, customer.city, customer.postal_code, customer.country,
    )  # fmt: skip
    assert customer.external_id in [i.value for i in buyer.identifiers]
    seller = portal_settings()
    assert parsed.seller.name == seller.seller_name
    assert parsed.seller.vat_id == ("" if not_subject else seller.seller_tax_id)
    assert parsed.seller.endpoint == Identifier(seller.seller_peppol_id, seller.seller_peppol_scheme)
