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

- BT-10 BuyerReference: the customer's Leitweg-ID (a German public customer routes by it), else the PO
  number, else the order's external id, else the company's external id, else the document's own number
  (PEPPOL-EN16931-R003 wants a buyer or order reference on every document).
  BT-13 OrderReference: the PO number, else the order's external id.
- BT-20 payment terms: "Payment within N days" (issue to due date) followed by the payment
  instructions (in XRechnung on lines of their own: a line starting with "#" is cash discount terms there).
  BG-16 payment means, on every kind (XRechnung wants them on credit notes too): a credit
  transfer to the seller's account from the settings (code 58, SEPA, for an IBAN in EUR; 30 otherwise)
  with the document number as the remittance reference; code 1 (not defined) only when no account is set.
  Between Danish parties a transfer outside SEPA is a payment to a Danish bank account (42, DK-R-005).
- The national rules of Peppol BIS (a Dutch, Danish, Swedish… seller): ``national``.
- Whitespace-only texts (notes, PO numbers, address lines) are left out, never written as empty elements
  (PEPPOL-EN16931-R008).
- An intra-community supply (K) states the delivery (BR-IC-11 / BR-IC-12): the deliver-to country is
  the buyer's, the delivery date the end of the service period, else the issue date.
- The seller is the document's snapshot (``invoices.seller``): an issued document's e-invoice never
  changes when the settings do. What a document needs before it can be exported at all (a Peppol id for
  both parties, a currency with at most two decimals, …) is checked by ``checks.check_exportable``.
- The document discount is an allowance (reason code 95, "Discount") in its VAT category and rate;
  a line discount is a line allowance. Cost lines (shipping, fees) are ordinary lines, as in the totals.
- VAT categories E, AE, K, G and O carry an exemption reason (BR-E-10, BR-AE-10, BR-IC-10,
  BR-G-10, BR-O-10); O carries no rate (BR-O-05).
- Parties: see ``parties``. A received invoice (a supplier's, handed to our ERP by a transaction run) is
  written with ``parties=received_parties(invoice)``: the supplier is the AccountingSupplierParty, we are
  the AccountingCustomerParty, and the document claims plain EN 16931 (Peppol ids are not required).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from lxml import etree

from invoice_portal.core.errors import DocumentNotIssued, StoredTotalsMismatch
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import as_str, quantize
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.core.text import xml_safe
from invoice_portal.documents.einvoice.checks import categories_of, check_exportable
from invoice_portal.documents.einvoice.national import check_national, danish_domestic, payment_to_account, peppol_parties
from invoice_portal.documents.einvoice.parties import Address, Party, buyer_party, company_party, seller_party
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.seller import seller_of, seller_snapshot
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
PAYMENT_MEANS_CREDIT_TRANSFER = "30"  # UNCL4461: Credit transfer
PAYMENT_MEANS_SEPA = "58"  # UNCL4461: SEPA credit transfer
XRECHNUNG_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
EN16931_CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017"  # the core standard, no CIUS: a received invoice handed to the ERP

A = f"{{{CAC}}}"
B = f"{{{CBC}}}"
Parties = tuple[Party, Party]  # (seller, buyer)
_NSMAP_INVOICE = {None: INVOICE_NS, "cac": CAC, "cbc": CBC}
_NSMAP_CREDIT_NOTE = {None: CREDIT_NOTE_NS, "cac": CAC, "cbc": CBC}


def invoice_ubl(
    invoice: Invoice, *, seller: PortalSettings | None = None, xrechnung: bool = False, parties: Parties | None = None
) -> bytes:
    """The issued ``invoice`` (any kind) as a UTF-8 UBL 2.1 document: Peppol BIS Billing 3.0, or with
    ``xrechnung`` the German XRechnung 3.0 CIUS (see ``xrechnung``).

    Pass ``seller`` (the operator's settings) when exporting many documents, so it is read once (it is
    used only for documents issued before seller snapshots). Select ``company``, ``order`` and
    ``related_invoice`` and prefetch ``lines`` for a batch (``selectors.for_ubl``); otherwise each is a query.
    ``EInvoiceNotPossible`` when the document cannot be a valid e-invoice (``checks``).

    ``parties`` (seller, buyer) writes any other document, a received invoice for one (``received_parties``):
    plain EN 16931 (no Peppol customization, and no Peppol participant id needed: an ERP hand-off).
    """
    lines, totals, supplier, buyer = prepare(invoice, seller=seller, parties=parties)
    if xrechnung:
        from invoice_portal.documents.einvoice.xrechnung import check_xrechnung

        check_xrechnung(invoice, supplier, buyer)
    elif parties is None:  # Peppol BIS: its national rules for the seller's and the customer's countries
        supplier, buyer = peppol_parties(supplier, buyer)
        check_national(invoice, lines, seller=supplier, buyer=buyer, payment_code=payment_means_code(supplier, invoice.currency))
    customization = XRECHNUNG_CUSTOMIZATION_ID if xrechnung else CUSTOMIZATION_ID
    if parties is not None:
        customization = EN16931_CUSTOMIZATION_ID
    root = _document(invoice, lines, totals, supplier, buyer, customization=customization, xrechnung=xrechnung)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def prepare(
    invoice: Invoice, *, seller: PortalSettings | None = None, parties: Parties | None = None
) -> tuple[list[InvoiceLine], Totals, Party, Party]:
    """What every e-invoice of ``invoice`` is written from (its lines, totals, seller and buyer), checked.

    Without ``parties`` ``invoice`` is an issued document: the seller is its snapshot of our settings, the
    buyer its company. With ``parties`` they are the two given (``received_parties`` for a received invoice).
    """
    if parties is None:
        if invoice.direction != Direction.ISSUED or invoice.status == Status.DRAFT or not invoice.number:
            raise DocumentNotIssued(f"{invoice} is not issued: only an issued document has a number and an e-invoice.")
        parties = (seller_party(seller_of(invoice.seller_snapshot, seller or portal_settings())), buyer_party(invoice.company))
    elif not invoice.number:
        raise DocumentNotIssued(f"{invoice} has no number: an e-invoice needs one (BT-1).")
    supplier, buyer = parties
    lines = sorted(invoice.lines.all(), key=lambda ln: ln.line_no)
    totals = _stored_totals(invoice, lines)
    check_exportable(invoice, lines, seller=supplier, buyer=buyer, peppol=invoice.direction == Direction.ISSUED)
    return lines, totals, supplier, buyer


def received_parties(invoice: Invoice, *, settings: PortalSettings | None = None) -> Parties:
    """(seller, buyer) of a received invoice as they really are: the supplier sells, we (the settings) buy."""
    us = seller_party(seller_snapshot(settings or portal_settings()))
    # Our settings' contact and account are those of our accounts receivable: not the buyer's to state.
    return company_party(invoice.company, seller=True), dataclasses.replace(us, contact_name="", email="", phone="", account="")


def buyer_reference(invoice: Invoice) -> str:
    """BT-10: the customer's Leitweg-ID, the PO number, the order's id, the customer's id, else the document's own
    number (PEPPOL-EN16931-R003; XRechnung's BR-DE-15 wants the Leitweg-ID of a public customer here).

    A received invoice's company is the supplier: its ids are no buyer reference, so the number stands in."""
    issued = invoice.direction == Direction.ISSUED
    leitweg = invoice.company.leitweg_id if issued else ""
    customer_id = (invoice.company.external_id or "").strip() if issued else ""
    return leitweg or order_reference(invoice) or customer_id or str(invoice.number)


def order_reference(invoice: Invoice) -> str:
    """BT-13: the PO number, else the order's external id; "" when neither."""
    order = invoice.order if invoice.order_id else None
    po_number = invoice.po_number.strip() or (order.po_number.strip() if order else "")
    return po_number or ((order.external_id or "").strip() if order else "")


def delivery_date(invoice: Invoice) -> dt.date | None:
    """BT-72 of an intra-community supply: the end of the service period, else the issue date."""
    return invoice.service_end or invoice.issue_date


def payment_means_code(supplier: Party, currency: str) -> str:
    if not supplier.account:
        return PAYMENT_MEANS_NOT_DEFINED
    is_iban = supplier.account[:2].isalpha() and supplier.account[2:4].isdigit()
    return PAYMENT_MEANS_SEPA if is_iban and currency == "EUR" else PAYMENT_MEANS_CREDIT_TRANSFER


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


def _optional(parent: etree._Element, tag: str, text: str) -> None:
    """``tag`` with ``text`` stripped, or nothing when that is empty (PEPPOL-EN16931-R008: no empty elements)."""
    if text and text.strip():
        _text(parent, tag, text.strip())


def _amount(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    etree.SubElement(parent, tag, currencyID=currency).text = as_str(value, currency)


def _plain(value: Decimal) -> str:
    """A quantity or rate without trailing zeros or an exponent ("2", "8.875")."""
    return f"{value.normalize():f}"


def _price(value: Decimal, currency: str) -> str:
    """A unit price: the currency's digits, or more when the price has them (0.0125 EUR per unit)."""
    return as_str(value, currency) if quantize(value, currency) == value else _plain(value)


def _document(
    invoice: Invoice, lines: list[InvoiceLine], totals: Totals, supplier: Party, buyer: Party, *, customization: str,
    xrechnung: bool = False,
) -> etree._Element:  # fmt: skip
    credit = invoice.kind == Kind.CREDIT_NOTE
    not_subject = categories_of(invoice, lines) == {"O"}
    currency = invoice.currency
    if credit:
        root = etree.Element(f"{{{CREDIT_NOTE_NS}}}CreditNote", nsmap=_NSMAP_CREDIT_NOTE)
    else:
        root = etree.Element(f"{{{INVOICE_NS}}}Invoice", nsmap=_NSMAP_INVOICE)
    _text(root, B + "CustomizationID", customization)
    if customization != EN16931_CUSTOMIZATION_ID:  # Peppol's business process; none is claimed for a plain EN 16931 hand-off
        _text(root, B + "ProfileID", PROFILE_ID)
    _text(root, B + "ID", str(invoice.number))
    if invoice.issue_date:
        _text(root, B + "IssueDate", invoice.issue_date.isoformat())
    # UBL's CreditNote has no DueDate: a credit note is not paid by a date.
    if invoice.due_date and not credit:
        _text(root, B + "DueDate", invoice.due_date.isoformat())
    _text(root, B + ("CreditNoteTypeCode" if credit else "InvoiceTypeCode"), TYPE_CODES[Kind(invoice.kind)])
    _optional(root, B + "Note", invoice.notes)
    _text(root, B + "DocumentCurrencyCode", currency)
    _references(root, invoice)
    # BR-O-02: a document not subject to VAT names no VAT id of either party.
    _party(etree.SubElement(root, A + "AccountingSupplierParty"), supplier, vat=not not_subject, seller=True)
    _party(etree.SubElement(root, A + "AccountingCustomerParty"), buyer, vat=not not_subject)
    if "K" in categories_of(invoice, lines):
        _delivery(root, invoice, buyer)
    danish = customization == CUSTOMIZATION_ID and danish_domestic(supplier, buyer, invoice)
    _payment(root, invoice, supplier, credit=credit, xrechnung=xrechnung, danish=danish)
    if totals.allowance_total:
        allowance = etree.SubElement(root, A + "AllowanceCharge")
        _allowance(allowance, totals.allowance_total, currency)
        _tax_category(allowance, "TaxCategory", invoice.discount_tax_category, invoice.discount_tax_rate or Decimal(0))
    _tax_total(root, totals, currency, xrechnung=xrechnung)
    _monetary_total(root, invoice, totals)
    line_tag, quantity_tag = (A + "CreditNoteLine", B + "CreditedQuantity") if credit else (A + "InvoiceLine", B + "InvoicedQuantity")
    for line, net in zip(lines, totals.line_nets, strict=True):
        _line(etree.SubElement(root, line_tag), line, net, quantity_tag, currency)
    return root


def _references(root: etree._Element, invoice: Invoice) -> None:
    _text(root, B + "BuyerReference", buyer_reference(invoice))
    if invoice.service_start or invoice.service_end:
        period = etree.SubElement(root, A + "InvoicePeriod")
        if invoice.service_start:
            _text(period, B + "StartDate", invoice.service_start.isoformat())
        if invoice.service_end:
            _text(period, B + "EndDate", invoice.service_end.isoformat())
    if order_reference(invoice):
        _text(etree.SubElement(root, A + "OrderReference"), B + "ID", order_reference(invoice))
    related = invoice.related_invoice if invoice.related_invoice_id else None
    if related is not None and related.number:
        reference = etree.SubElement(etree.SubElement(root, A + "BillingReference"), A + "InvoiceDocumentReference")
        _text(reference, B + "ID", related.number)
        if related.issue_date:
            _text(reference, B + "IssueDate", related.issue_date.isoformat())


def _party(outer: etree._Element, party: Party, *, vat: bool, seller: bool = False) -> None:
    element = etree.SubElement(outer, A + "Party")
    if party.endpoint_id:  # always on a Peppol document (checked); optional in EN 16931 (BT-34 / BT-49)
        etree.SubElement(element, B + "EndpointID", schemeID=party.endpoint_scheme).text = party.endpoint_id
    identifier = party.identifier
    if seller and not (party.legal_id or (vat and party.vat_id)):
        identifier = party.endpoint_id  # BR-CO-26: the seller needs an id; its participant id is one
    if identifier:
        _text(etree.SubElement(element, A + "PartyIdentification"), B + "ID", identifier)
    _text(etree.SubElement(element, A + "PartyName"), B + "Name", party.name)
    _address(etree.SubElement(element, A + "PostalAddress"), party.address)
    if vat and party.vat_id:
        scheme = etree.SubElement(element, A + "PartyTaxScheme")
        _text(scheme, B + "CompanyID", party.vat_id)
        _text(etree.SubElement(scheme, A + "TaxScheme"), B + "ID", "VAT")
    if seller and party.tax_registration_id:  # BT-32: the seller's tax number under a scheme other than VAT
        scheme = etree.SubElement(element, A + "PartyTaxScheme")
        _text(scheme, B + "CompanyID", party.tax_registration_id)
        _text(etree.SubElement(scheme, A + "TaxScheme"), B + "ID", "TAX")
    legal = etree.SubElement(element, A + "PartyLegalEntity")
    _text(legal, B + "RegistrationName", party.name)
    if party.legal_id.strip():
        company_id = _text(legal, B + "CompanyID", party.legal_id.strip())
        if party.legal_scheme:  # a national registry number (NL-R-003, DK-R-014, IS-R-002 want its scheme)
            company_id.set("schemeID", party.legal_scheme)
    if party.contact_name or party.email or party.phone:
        contact = etree.SubElement(element, A + "Contact")
        _optional(contact, B + "Name", party.contact_name)
        _optional(contact, B + "Telephone", party.phone)
        _optional(contact, B + "ElectronicMail", party.email)


def _delivery(root: etree._Element, invoice: Invoice, buyer: Party) -> None:
    delivery = etree.SubElement(root, A + "Delivery")
    date = delivery_date(invoice)
    if date:
        _text(delivery, B + "ActualDeliveryDate", date.isoformat())
    # The deliver-to address (BG-15) is the buyer's, in full: XRechnung wants its city and post code (BR-DE-10/11).
    _address(etree.SubElement(etree.SubElement(delivery, A + "DeliveryLocation"), A + "Address"), buyer.address)


def _address(address: etree._Element, of: Address) -> None:
    _optional(address, B + "StreetName", of.street)
    _optional(address, B + "AdditionalStreetName", of.additional_street)
    _optional(address, B + "CityName", of.city)
    _optional(address, B + "PostalZone", of.postal_zone)
    _text(etree.SubElement(address, A + "Country"), B + "IdentificationCode", of.country)


def _payment(
    root: etree._Element, invoice: Invoice, supplier: Party, *, credit: bool, xrechnung: bool = False, danish: bool = False
) -> None:
    means = etree.SubElement(root, A + "PaymentMeans")
    code, account_id, branch = payment_to_account(payment_means_code(supplier, invoice.currency), supplier.account, danish=danish)
    _text(means, B + "PaymentMeansCode", code)
    _text(means, B + "PaymentID", str(invoice.number))
    if code != PAYMENT_MEANS_NOT_DEFINED:
        account = etree.SubElement(means, A + "PayeeFinancialAccount")
        _text(account, B + "ID", account_id)
        if branch:  # a Danish bank account's registration number (DK-R-006)
            _text(etree.SubElement(account, A + "FinancialInstitutionBranch"), B + "ID", branch)
    terms = []
    if credit:
        terms.append("Credit applied to open invoices; what is not applied stays as credit on account.")
    elif invoice.issue_date and invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        terms.append(f"Payment within {days} days." if days else "Payment due on receipt.")
    if invoice.payment_instructions.strip():
        terms.append(invoice.payment_instructions.strip())
    if not terms:
        return
    if xrechnung:
        # XRechnung reads a line of the payment terms that starts with "#" as cash discount terms (BR-DE-18,
        # "#SKONTO#TAGE=14#PROZENT=2.00#", checked by ``check_xrechnung``): the instructions start on a line of
        # their own, so such a line of theirs is one, and the last of them is followed by a line break.
        note = "\n".join(line.strip() for term in terms for line in term.splitlines() if line.strip())
        if note.rsplit("\n", 1)[-1].startswith("#"):
            note += "\n"
    else:
        note = " ".join(terms)
    _text(etree.SubElement(root, A + "PaymentTerms"), B + "Note", note)


def _allowance(parent: etree._Element, amount: Decimal, currency: str) -> None:
    _text(parent, B + "ChargeIndicator", "false")
    _text(parent, B + "AllowanceChargeReasonCode", DISCOUNT_REASON_CODE)
    _text(parent, B + "AllowanceChargeReason", "Discount")
    _amount(parent, B + "Amount", amount, currency)


def _tax_category(
    parent: etree._Element, tag: str, category: str, rate: Decimal, *, exemption: bool = False, always_rate: bool = False
) -> None:
    element = etree.SubElement(parent, A + tag)
    _text(element, B + "ID", category)
    if category not in WITHOUT_RATE or always_rate:
        _text(element, B + "Percent", _plain(rate))
    if exemption and category in EXEMPTIONS:
        code, reason = EXEMPTIONS[category]
        if code:
            _text(element, B + "TaxExemptionReasonCode", code)
        _text(element, B + "TaxExemptionReason", reason)
    _text(etree.SubElement(element, A + "TaxScheme"), B + "ID", "VAT")


def _tax_total(root: etree._Element, totals: Totals, currency: str, *, xrechnung: bool = False) -> None:
    # XRechnung's BR-DE-14 wants the rate (BT-119) in every VAT breakdown, category O's too (0; EN 16931
    # forbids a rate for O on lines and allowances only, BR-O-05 to 07).
    element = etree.SubElement(root, A + "TaxTotal")
    _amount(element, B + "TaxAmount", totals.tax_total, currency)
    for part in totals.breakdown:
        subtotal = etree.SubElement(element, A + "TaxSubtotal")
        _amount(subtotal, B + "TaxableAmount", part.base, currency)
        _amount(subtotal, B + "TaxAmount", part.tax, currency)
        _tax_category(subtotal, "TaxCategory", part.category, part.rate, exemption=True, always_rate=xrechnung)


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
    _text(item, B + "Name", line.description.strip() or f"Line {line.line_no}")
    if line.sku.strip():
        _text(etree.SubElement(item, A + "SellersItemIdentification"), B + "ID", line.sku.strip())
    _tax_category(item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate)
    price = etree.SubElement(element, A + "Price")
    etree.SubElement(price, B + "PriceAmount", currencyID=currency).text = _price(line.unit_price, currency)
