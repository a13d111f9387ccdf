"""UBL 2.1 e-invoices (Peppol BIS Billing 3.0, EN 16931) of issued invoices, debit notes and credit notes.

An invoice (type code 380) and a debit note (383) are ``<Invoice>`` documents; a credit note is a
``<CreditNote>`` (381) with a BillingReference to the invoice it credits. Elements are written in
the order of the UBL 2.1 schema (an ``xsd:sequence``: validators refuse any other order), as the
Peppol BIS 3 examples show.

Money: every amount is written with its currency's minor digits and a ``currencyID``. The lines'
net amounts, the VAT breakdown and the totals come from ``compute_totals``, the function that
wrote the stored totals; a document whose stored totals no longer match its lines is refused
(``StoredTotalsMismatch``, as ``check-books`` would report) rather than exported with figures that
contradict the books. PrepaidAmount is what is allocated to the document (payments and applied
credit), PayableAmount its balance.

How the portal's fields map (beyond the obvious):

- BT-10 BuyerReference: the PO number, else the order's external id, else the company's external id.
  BT-13 OrderReference: the PO number, else the order's external id.
- BT-20 payment terms: "Payment within N days" (issue to due date) followed by the payment
  instructions. BG-16 payment means: code 1 (not defined: the portal does not store how a customer
  pays) with the document number as the remittance reference; written on invoices and debit notes.
- The document discount is an allowance (reason code 95, "Discount") in its VAT category and rate;
  a line discount is a line allowance. Cost lines (shipping, fees) are ordinary lines, as in the totals.
- VAT categories E, AE, K, G and O carry an exemption reason (BR-E-10, BR-AE-10, BR-IC-10,
  BR-G-10, BR-O-10); O carries no rate (BR-O-05).
- Parties: see ``parties``.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from invoice_portal.core.errors import DocumentNotIssued, StoredTotalsMismatch
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import as_str, quantize
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.core.text import xml_safe
from invoice_portal.documents.einvoice.parties import Party, buyer_party, seller_party
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.totals import LineInput, Totals, compute_totals

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
TYPE_CODES = {Kind.INVOICE: "380", Kind.DEBIT_NOTE: "383", Kind.CREDIT_NOTE: "381"}
# (VATEX code, reason text) of the categories EN 16931 requires a reason for. Exempt supplies (E)
# have many legal grounds, each its own VATEX code; the portal does not record which, so only text.
EXEMPTIONS = {
    "E": ("", "Exempt from VAT"),
    "AE": ("VATEX-EU-AE", "Reverse charge"),
    "K": ("VATEX-EU-IC", "Intra-community supply"),
    "G": ("VATEX-EU-G", "Export outside the EU"),
    "O": ("VATEX-EU-O", "Not subject to VAT"),
}
WITHOUT_RATE = {"O"}
DISCOUNT_REASON_CODE = "95"  # UNCL5189: Discount
PAYMENT_MEANS_NOT_DEFINED = "1"  # UNCL4461: Instrument not defined
ELECTRONIC_MAIL_SCHEME = "EM"  # EAS: Electronic mail (SMTP)

A = f"{{{CAC}}}"
B = f"{{{CBC}}}"
_NSMAP_INVOICE = {None: INVOICE_NS, "cac": CAC, "cbc": CBC}
_NSMAP_CREDIT_NOTE = {None: CREDIT_NOTE_NS, "cac": CAC, "cbc": CBC}


def invoice_ubl(invoice: Invoice, *, seller: PortalSettings | None = None) -> bytes:
    """The issued ``invoice`` (any kind) as a UTF-8 UBL 2.1 document.

    Pass ``seller`` (the operator's settings) when exporting many documents, so it is read once.
    Select ``company``, ``order`` and ``related_invoice`` and prefetch ``lines`` for a batch
    (``selectors.for_ubl``); otherwise each is a query.
    """
    if invoice.direction != Direction.ISSUED or invoice.status == Status.DRAFT or not invoice.number:
        raise DocumentNotIssued(f"{invoice} is not issued: only an issued document has a number and an e-invoice.")
    lines = sorted(invoice.lines.all(), key=lambda ln: ln.line_no)
    totals = _stored_totals(invoice, lines)
    supplier = seller_party(seller or portal_settings())
    root = _document(invoice, lines, totals, supplier)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def ubl_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.xml"


def _stored_totals(invoice: Invoice, lines: list[InvoiceLine]) -> Totals:
    totals = compute_totals(
        (LineInput(ln.quantity, ln.unit_price, ln.discount, ln.tax_category, ln.tax_rate) for ln in lines),
        currency=invoice.currency,
        discount=invoice.discount,
        discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )
    stored = (invoice.line_net_total, invoice.allowance_total, invoice.tax_exclusive_total, invoice.tax_total, invoice.total)
    derived = (totals.line_net_total, totals.allowance_total, totals.tax_exclusive_total, totals.tax_total, totals.total)
    if stored != derived or tuple(ln.net_amount for ln in lines) != totals.line_nets:
        raise StoredTotalsMismatch(f"{invoice}: its stored totals no longer match its lines (run check-books); it is not exported.")
    return totals


# --- Building the tree ------------------------------------------------------------------------------


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = xml_safe(text)  # rows stored before the text rule (core.text) may hold control characters
    return element


def _amount(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    etree.SubElement(parent, tag, currencyID=currency).text = as_str(value, currency)


def _plain(value: Decimal) -> str:
    """A quantity or rate without trailing zeros or an exponent ("2", "8.875")."""
    return f"{value.normalize():f}"


def _price(value: Decimal, currency: str) -> str:
    """A unit price: the currency's digits, or more when the price has them (0.0125 EUR per unit)."""
    return as_str(value, currency) if quantize(value, currency) == value else _plain(value)


def _document(invoice: Invoice, lines: list[InvoiceLine], totals: Totals, supplier: Party) -> etree._Element:
    credit = invoice.kind == Kind.CREDIT_NOTE
    currency = invoice.currency
    if credit:
        root = etree.Element(f"{{{CREDIT_NOTE_NS}}}CreditNote", nsmap=_NSMAP_CREDIT_NOTE)
    else:
        root = etree.Element(f"{{{INVOICE_NS}}}Invoice", nsmap=_NSMAP_INVOICE)
    _text(root, B + "CustomizationID", CUSTOMIZATION_ID)
    _text(root, B + "ProfileID", PROFILE_ID)
    _text(root, B + "ID", str(invoice.number))
    if invoice.issue_date:
        _text(root, B + "IssueDate", invoice.issue_date.isoformat())
    # UBL's CreditNote has no DueDate: a credit note is not paid by a date.
    if invoice.due_date and not credit:
        _text(root, B + "DueDate", invoice.due_date.isoformat())
    _text(root, B + ("CreditNoteTypeCode" if credit else "InvoiceTypeCode"), TYPE_CODES[Kind(invoice.kind)])
    if invoice.notes:
        _text(root, B + "Note", invoice.notes)
    _text(root, B + "DocumentCurrencyCode", currency)
    _references(root, invoice)
    buyer = buyer_party(invoice.company, seller_country=supplier.address.country)
    _party(etree.SubElement(root, A + "AccountingSupplierParty"), supplier)
    _party(etree.SubElement(root, A + "AccountingCustomerParty"), buyer)
    _payment(root, invoice, credit=credit)
    if totals.allowance_total:
        allowance = etree.SubElement(root, A + "AllowanceCharge")
        _allowance(allowance, totals.allowance_total, currency)
        _tax_category(allowance, "TaxCategory", invoice.discount_tax_category, invoice.discount_tax_rate or Decimal(0))
    _tax_total(root, totals, currency)
    _monetary_total(root, invoice, totals)
    line_tag, quantity_tag = (A + "CreditNoteLine", B + "CreditedQuantity") if credit else (A + "InvoiceLine", B + "InvoicedQuantity")
    for line, net in zip(lines, totals.line_nets, strict=True):
        _line(etree.SubElement(root, line_tag), line, net, quantity_tag, currency)
    return root


def _references(root: etree._Element, invoice: Invoice) -> None:
    order = invoice.order if invoice.order_id else None
    po_number = invoice.po_number or (order.po_number if order else "")
    order_reference = po_number or (order.external_id if order else "")
    buyer_reference = order_reference or invoice.company.external_id or ""
    if buyer_reference:
        _text(root, B + "BuyerReference", buyer_reference)
    if invoice.service_start or invoice.service_end:
        period = etree.SubElement(root, A + "InvoicePeriod")
        if invoice.service_start:
            _text(period, B + "StartDate", invoice.service_start.isoformat())
        if invoice.service_end:
            _text(period, B + "EndDate", invoice.service_end.isoformat())
    if order_reference:
        _text(etree.SubElement(root, A + "OrderReference"), B + "ID", order_reference)
    related = invoice.related_invoice if invoice.related_invoice_id else None
    if related is not None and related.number:
        reference = etree.SubElement(etree.SubElement(root, A + "BillingReference"), A + "InvoiceDocumentReference")
        _text(reference, B + "ID", related.number)
        if related.issue_date:
            _text(reference, B + "IssueDate", related.issue_date.isoformat())


def _party(outer: etree._Element, party: Party) -> None:
    element = etree.SubElement(outer, A + "Party")
    if party.email:
        etree.SubElement(element, B + "EndpointID", schemeID=ELECTRONIC_MAIL_SCHEME).text = xml_safe(party.email)
    if party.identifier:
        _text(etree.SubElement(element, A + "PartyIdentification"), B + "ID", party.identifier)
    _text(etree.SubElement(element, A + "PartyName"), B + "Name", party.name)
    address = etree.SubElement(element, A + "PostalAddress")
    for tag, value in (
        ("StreetName", party.address.street),
        ("AdditionalStreetName", party.address.additional_street),
        ("CityName", party.address.city),
        ("PostalZone", party.address.postal_zone),
    ):
        if value:
            _text(address, B + tag, value)
    if party.address.country:
        _text(etree.SubElement(address, A + "Country"), B + "IdentificationCode", party.address.country)
    if party.vat_id:
        scheme = etree.SubElement(element, A + "PartyTaxScheme")
        _text(scheme, B + "CompanyID", party.vat_id)
        _text(etree.SubElement(scheme, A + "TaxScheme"), B + "ID", "VAT")
    legal = etree.SubElement(element, A + "PartyLegalEntity")
    _text(legal, B + "RegistrationName", party.name)
    if party.legal_id:
        _text(legal, B + "CompanyID", party.legal_id)
    if party.email or party.phone:
        contact = etree.SubElement(element, A + "Contact")
        if party.phone:
            _text(contact, B + "Telephone", party.phone)
        if party.email:
            _text(contact, B + "ElectronicMail", party.email)


def _payment(root: etree._Element, invoice: Invoice, *, credit: bool) -> None:
    if not credit:
        means = etree.SubElement(root, A + "PaymentMeans")
        _text(means, B + "PaymentMeansCode", PAYMENT_MEANS_NOT_DEFINED)
        _text(means, B + "PaymentID", str(invoice.number))
    terms = []
    if credit:
        terms.append("Credit applied to open invoices; what is not applied stays as credit on account.")
    elif invoice.issue_date and invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        terms.append(f"Payment within {days} days." if days else "Payment due on receipt.")
    if invoice.payment_instructions:
        terms.append(invoice.payment_instructions)
    if terms:
        _text(etree.SubElement(root, A + "PaymentTerms"), B + "Note", " ".join(terms))


def _allowance(parent: etree._Element, amount: Decimal, currency: str) -> None:
    _text(parent, B + "ChargeIndicator", "false")
    _text(parent, B + "AllowanceChargeReasonCode", DISCOUNT_REASON_CODE)
    _text(parent, B + "AllowanceChargeReason", "Discount")
    _amount(parent, B + "Amount", amount, currency)


def _tax_category(parent: etree._Element, tag: str, category: str, rate: Decimal, *, exemption: bool = False) -> None:
    element = etree.SubElement(parent, A + tag)
    _text(element, B + "ID", category)
    if category not in WITHOUT_RATE:
        _text(element, B + "Percent", _plain(rate))
    if exemption and category in EXEMPTIONS:
        code, reason = EXEMPTIONS[category]
        if code:
            _text(element, B + "TaxExemptionReasonCode", code)
        _text(element, B + "TaxExemptionReason", reason)
    _text(etree.SubElement(element, A + "TaxScheme"), B + "ID", "VAT")


def _tax_total(root: etree._Element, totals: Totals, currency: str) -> None:
    element = etree.SubElement(root, A + "TaxTotal")
    _amount(element, B + "TaxAmount", totals.tax_total, currency)
    for part in totals.breakdown:
        subtotal = etree.SubElement(element, A + "TaxSubtotal")
        _amount(subtotal, B + "TaxableAmount", part.base, currency)
        _amount(subtotal, B + "TaxAmount", part.tax, currency)
        _tax_category(subtotal, "TaxCategory", part.category, part.rate, exemption=True)


def _monetary_total(root: etree._Element, invoice: Invoice, totals: Totals) -> None:
    currency = invoice.currency
    element = etree.SubElement(root, A + "LegalMonetaryTotal")
    _amount(element, B + "LineExtensionAmount", totals.line_net_total, currency)
    _amount(element, B + "TaxExclusiveAmount", totals.tax_exclusive_total, currency)
    _amount(element, B + "TaxInclusiveAmount", totals.total, currency)
    if totals.allowance_total:
        _amount(element, B + "AllowanceTotalAmount", totals.allowance_total, currency)
    if invoice.allocated_total:
        _amount(element, B + "PrepaidAmount", invoice.allocated_total, currency)
    _amount(element, B + "PayableAmount", invoice.balance, currency)


def _line(element: etree._Element, line: InvoiceLine, net: Decimal, quantity_tag: str, currency: str) -> None:
    _text(element, B + "ID", str(line.line_no))
    etree.SubElement(element, quantity_tag, unitCode=xml_safe(line.unit_code) or "C62").text = _plain(line.quantity)
    _amount(element, B + "LineExtensionAmount", net, currency)
    if line.discount:
        _allowance(etree.SubElement(element, A + "AllowanceCharge"), line.discount, currency)
    item = etree.SubElement(element, A + "Item")
    _text(item, B + "Name", line.description)
    if line.sku:
        _text(etree.SubElement(item, A + "SellersItemIdentification"), B + "ID", line.sku)
    _tax_category(item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate)
    price = etree.SubElement(element, A + "Price")
    etree.SubElement(price, B + "PriceAmount", currencyID=currency).text = _price(line.unit_price, currency)
