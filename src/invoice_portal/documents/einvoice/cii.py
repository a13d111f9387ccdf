"""UN/CEFACT Cross Industry Invoice (CII D16B, EN 16931 profile) of issued invoices, debit notes and credit notes.

The same document as ``ubl``, from the same checked inputs (``ubl.prepare``: lines, stored totals, the
seller snapshot and the buyer, refused by ``checks`` when no valid e-invoice is possible) and the same
mapping rules (buyer and order reference, payment means, exemption reasons, delivery of a K supply, no
empty elements, no VAT ids on a document not subject to VAT). CII is also what a Factur-X / ZUGFeRD PDF
embeds (``facturx``); its guideline id is Factur-X's EN 16931 profile, ``urn:cen.eu:en16931:2017``.

CII names the VAT categories and the document kinds as UBL does (UNCL5305, UNCL1001: 380 invoice, 383
debit note, 381 credit note); a credit note has positive amounts and refers to the invoice it credits
(BT-25, ``InvoiceReferencedDocument``). Dates are ``YYYYMMDD`` (format 102). Only the document's VAT total
carries a ``currencyID``, as the profile's schema wants.

The header's delivery (``ApplicableHeaderTradeDelivery``) is mandatory in CII's schema; without a K supply
it has nothing to say and stays empty, which the CII schematron reports as a *warning*
(PEPPOL-EN16931-R008, "still status warning"), never as a fatal error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lxml import etree

from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import as_str
from invoice_portal.documents.einvoice.checks import categories_of
from invoice_portal.documents.einvoice.parties import Party
from invoice_portal.documents.einvoice.ubl import (
    DISCOUNT_REASON_CODE,
    EXEMPTIONS,
    PAYMENT_MEANS_NOT_DEFINED,
    PAYMENT_MEANS_SEPA,
    PROFILE_ID,
    TYPE_CODES,
    WITHOUT_RATE,
    buyer_reference,
    delivery_date,
    order_reference,
    payment_means_code,
    prepare,
)
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind
from invoice_portal.invoices.totals import Totals

RSM_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT_NS = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT_NS = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
GUIDELINE_ID = "urn:cen.eu:en16931:2017"
R = f"{{{RSM_NS}}}"
M = f"{{{RAM_NS}}}"
U = f"{{{UDT_NS}}}"
Q = f"{{{QDT_NS}}}"
_NSMAP = {"rsm": RSM_NS, "ram": RAM_NS, "udt": UDT_NS, "qdt": QDT_NS}
VAT_SCHEME = "VA"  # BT-31 / BT-48: VAT registration
TAX_NUMBER_SCHEME = "FC"  # BT-32: the seller's tax number


def invoice_cii(invoice: Invoice, *, seller: PortalSettings | None = None) -> bytes:
    """The issued ``invoice`` (any kind) as a UTF-8 CII document of the EN 16931 profile.

    ``seller`` and batching as for ``ubl.invoice_ubl``; ``EInvoiceNotPossible`` when no valid e-invoice is possible.
    """
    lines, totals, supplier, buyer = prepare(invoice, seller=seller)
    root = _document(invoice, lines, totals, supplier, buyer)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def cii_filename(invoice: Invoice) -> str:
    return f"{invoice.number}.cii.xml"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        element.text = text
    return element


def _optional(parent: etree._Element, tag: str, text: str) -> None:
    if text and text.strip():
        _sub(parent, tag, text.strip())


def _date(parent: etree._Element, tag: str, value: dt.date, *, qualified: bool = False) -> None:
    _sub(_sub(parent, tag), (Q if qualified else U) + "DateTimeString", value.strftime("%Y%m%d"), format="102")


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _document(invoice: Invoice, lines: list[InvoiceLine], totals: Totals, supplier: Party, buyer: Party) -> etree._Element:
    root = etree.Element(R + "CrossIndustryInvoice", nsmap=_NSMAP)
    context = _sub(root, R + "ExchangedDocumentContext")
    _sub(_sub(context, M + "BusinessProcessSpecifiedDocumentContextParameter"), M + "ID", PROFILE_ID)
    _sub(_sub(context, M + "GuidelineSpecifiedDocumentContextParameter"), M + "ID", GUIDELINE_ID)
    header = _sub(root, R + "ExchangedDocument")
    _sub(header, M + "ID", str(invoice.number))
    _sub(header, M + "TypeCode", TYPE_CODES[Kind(invoice.kind)])
    assert invoice.issue_date is not None  # an issued document has one
    _date(header, M + "IssueDateTime", invoice.issue_date)
    if invoice.notes.strip():
        _sub(_sub(header, M + "IncludedNote"), M + "Content", invoice.notes.strip())

    transaction = _sub(root, R + "SupplyChainTradeTransaction")
    for line, net in zip(lines, totals.line_nets, strict=True):
        _line(transaction, line, net, invoice.currency)
    not_subject = categories_of(invoice, lines) == {"O"}
    agreement = _sub(transaction, M + "ApplicableHeaderTradeAgreement")
    _sub(agreement, M + "BuyerReference", buyer_reference(invoice))
    _party(agreement, M + "SellerTradeParty", supplier, vat=not not_subject, seller=True)
    _party(agreement, M + "BuyerTradeParty", buyer, vat=not not_subject)
    if order_reference(invoice):
        _sub(_sub(agreement, M + "BuyerOrderReferencedDocument"), M + "IssuerAssignedID", order_reference(invoice))
    delivery = _sub(transaction, M + "ApplicableHeaderTradeDelivery")
    if "K" in categories_of(invoice, lines):  # BR-IC-11 / BR-IC-12
        ship_to = _sub(delivery, M + "ShipToTradeParty")
        _sub(_sub(ship_to, M + "PostalTradeAddress"), M + "CountryID", buyer.address.country)
        date = delivery_date(invoice)
        if date:
            _date(_sub(delivery, M + "ActualDeliverySupplyChainEvent"), M + "OccurrenceDateTime", date)
    _settlement(transaction, invoice, totals, supplier)
    return root


def _line(transaction: etree._Element, line: InvoiceLine, net: Decimal, currency: str) -> None:
    item = _sub(transaction, M + "IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, M + "AssociatedDocumentLineDocument"), M + "LineID", str(line.line_no))
    product = _sub(item, M + "SpecifiedTradeProduct")
    _optional(product, M + "SellerAssignedID", line.sku)
    _sub(product, M + "Name", line.description.strip() or f"Line {line.line_no}")
    agreement = _sub(item, M + "SpecifiedLineTradeAgreement")
    _sub(_sub(agreement, M + "NetPriceProductTradePrice"), M + "ChargeAmount", _plain(line.unit_price))
    _sub(_sub(item, M + "SpecifiedLineTradeDelivery"), M + "BilledQuantity", _plain(line.quantity), unitCode=line.unit_code or "C62")
    settlement = _sub(item, M + "SpecifiedLineTradeSettlement")
    _tax(settlement, M + "ApplicableTradeTax", line.tax_category, line.tax_rate)
    if line.discount:
        _allowance(settlement, line.discount, currency)
    _sub(_sub(settlement, M + "SpecifiedTradeSettlementLineMonetarySummation"), M + "LineTotalAmount", as_str(net, currency))


def _tax(parent: etree._Element, tag: str, category: str, rate: Decimal) -> None:
    tax = _sub(parent, tag)
    _sub(tax, M + "TypeCode", "VAT")
    _sub(tax, M + "CategoryCode", category)
    if category not in WITHOUT_RATE:
        _sub(tax, M + "RateApplicablePercent", _plain(rate))


def _allowance(parent: etree._Element, amount: Decimal, currency: str, *, category: str = "", rate: Decimal | None = None) -> None:
    allowance = _sub(parent, M + "SpecifiedTradeAllowanceCharge")
    _sub(_sub(allowance, M + "ChargeIndicator"), U + "Indicator", "false")
    _sub(allowance, M + "ActualAmount", as_str(amount, currency))
    _sub(allowance, M + "ReasonCode", DISCOUNT_REASON_CODE)
    _sub(allowance, M + "Reason", "Discount")
    if category:
        _tax(allowance, M + "CategoryTradeTax", category, rate or Decimal(0))


def _party(agreement: etree._Element, tag: str, party: Party, *, vat: bool, seller: bool = False) -> None:
    element = _sub(agreement, tag)
    identifier = party.identifier
    if seller and not (party.legal_id or (vat and party.vat_id)):
        identifier = party.endpoint_id  # BR-CO-26, as in the UBL
    _optional(element, M + "ID", identifier)
    _sub(element, M + "Name", party.name)
    if party.legal_id:
        scheme = {"schemeID": party.legal_scheme} if party.legal_scheme else {}
        _sub(_sub(element, M + "SpecifiedLegalOrganization"), M + "ID", party.legal_id, **scheme)
    if party.contact_name or party.phone or party.email:
        contact = _sub(element, M + "DefinedTradeContact")
        _optional(contact, M + "PersonName", party.contact_name)
        if party.phone:
            _sub(_sub(contact, M + "TelephoneUniversalCommunication"), M + "CompleteNumber", party.phone)
        if party.email:
            _sub(_sub(contact, M + "EmailURIUniversalCommunication"), M + "URIID", party.email)
    address = _sub(element, M + "PostalTradeAddress")
    _optional(address, M + "PostcodeCode", party.address.postal_zone)
    _optional(address, M + "LineOne", party.address.street)
    _optional(address, M + "LineTwo", party.address.additional_street)
    _optional(address, M + "CityName", party.address.city)
    _sub(address, M + "CountryID", party.address.country)
    _sub(_sub(element, M + "URIUniversalCommunication"), M + "URIID", party.endpoint_id, schemeID=party.endpoint_scheme)
    if vat and party.vat_id:
        _sub(_sub(element, M + "SpecifiedTaxRegistration"), M + "ID", party.vat_id, schemeID=VAT_SCHEME)
    if seller and party.tax_registration_id:
        _sub(_sub(element, M + "SpecifiedTaxRegistration"), M + "ID", party.tax_registration_id, schemeID=TAX_NUMBER_SCHEME)


def _settlement(transaction: etree._Element, invoice: Invoice, totals: Totals, supplier: Party) -> None:
    currency = invoice.currency
    credit = invoice.kind == Kind.CREDIT_NOTE
    settlement = _sub(transaction, M + "ApplicableHeaderTradeSettlement")
    _sub(settlement, M + "PaymentReference", str(invoice.number))
    _sub(settlement, M + "InvoiceCurrencyCode", currency)
    means = _sub(settlement, M + "SpecifiedTradeSettlementPaymentMeans")
    code = payment_means_code(supplier, currency)
    _sub(means, M + "TypeCode", code)
    if code != PAYMENT_MEANS_NOT_DEFINED:
        account = _sub(means, M + "PayeePartyCreditorFinancialAccount")
        _sub(account, M + ("IBANID" if code == PAYMENT_MEANS_SEPA else "ProprietaryID"), supplier.account)
    for part in totals.breakdown:
        tax = _sub(settlement, M + "ApplicableTradeTax")
        _sub(tax, M + "CalculatedAmount", as_str(part.tax, currency))
        _sub(tax, M + "TypeCode", "VAT")
        code_and_reason = EXEMPTIONS.get(part.category)
        if code_and_reason:
            _sub(tax, M + "ExemptionReason", code_and_reason[1])
        _sub(tax, M + "BasisAmount", as_str(part.base, currency))
        _sub(tax, M + "CategoryCode", part.category)
        if code_and_reason and code_and_reason[0]:
            _sub(tax, M + "ExemptionReasonCode", code_and_reason[0])
        if part.category not in WITHOUT_RATE:
            _sub(tax, M + "RateApplicablePercent", _plain(part.rate))
    if invoice.service_start or invoice.service_end:
        period = _sub(settlement, M + "BillingSpecifiedPeriod")
        if invoice.service_start:
            _date(period, M + "StartDateTime", invoice.service_start)
        if invoice.service_end:
            _date(period, M + "EndDateTime", invoice.service_end)
    if totals.allowance_total:
        _allowance(
            settlement,
            totals.allowance_total,
            currency,
            category=invoice.discount_tax_category,
            rate=invoice.discount_tax_rate or Decimal(0),
        )
    _terms(settlement, invoice, credit=credit)
    summation = _sub(settlement, M + "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, M + "LineTotalAmount", as_str(totals.line_net_total, currency))
    if totals.allowance_total:
        _sub(summation, M + "AllowanceTotalAmount", as_str(totals.allowance_total, currency))
    _sub(summation, M + "TaxBasisTotalAmount", as_str(totals.tax_exclusive_total, currency))
    _sub(summation, M + "TaxTotalAmount", as_str(totals.tax_total, currency), currencyID=currency)
    _sub(summation, M + "GrandTotalAmount", as_str(totals.total, currency))
    if invoice.allocated_total:
        _sub(summation, M + "TotalPrepaidAmount", as_str(invoice.allocated_total, currency))
    _sub(summation, M + "DuePayableAmount", as_str(invoice.balance, currency))
    related = invoice.related_invoice if invoice.related_invoice_id else None
    if related is not None and related.number:
        reference = _sub(settlement, M + "InvoiceReferencedDocument")
        _sub(reference, M + "IssuerAssignedID", related.number)
        if related.issue_date:
            _date(reference, M + "FormattedIssueDateTime", related.issue_date, qualified=True)


def _terms(settlement: etree._Element, invoice: Invoice, *, credit: bool) -> None:
    texts = []
    if credit:
        texts.append("Credit applied to open invoices; what is not applied stays as credit on account.")
    elif invoice.issue_date and invoice.due_date:
        days = (invoice.due_date - invoice.issue_date).days
        texts.append(f"Payment within {days} days." if days else "Payment due on receipt.")
    if invoice.payment_instructions.strip():
        texts.append(invoice.payment_instructions.strip())
    due = invoice.due_date if not credit else None
    if texts or due:
        terms = _sub(settlement, M + "SpecifiedTradePaymentTerms")
        if texts:
            _sub(terms, M + "Description", " ".join(texts))
        if due:
            _date(terms, M + "DueDateDateTime", due)
