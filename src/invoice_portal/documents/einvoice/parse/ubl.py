"""UBL 2.1 Invoice and CreditNote → ``EInvoice`` (Peppol BIS Billing 3.0 / EN 16931 UBL syntax binding)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from invoice_portal.documents.einvoice.parse.errors import EInvoiceInvalid
from invoice_portal.documents.einvoice.parse.model import (
    Address,
    AllowanceCharge,
    Contact,
    DocumentKind,
    DocumentReference,
    EInvoice,
    Identifier,
    Line,
    Party,
    PaymentMeans,
    Syntax,
    TaxSubtotal,
    Totals,
    kind_of_type_code,
)
from invoice_portal.documents.einvoice.parse.values import iso_date, location, optional_decimal, required_decimal, text
from invoice_portal.documents.einvoice.parse.xml import clark_paths

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ROOTS = {f"{{{INVOICE_NS}}}Invoice": DocumentKind.INVOICE, f"{{{CREDIT_NOTE_NS}}}CreditNote": DocumentKind.CREDIT_NOTE}
NS = {"cac": CAC, "cbc": CBC}


_clark = clark_paths(NS)


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else element.find(_clark(path))


def _text(element: etree._Element | None, path: str) -> str:
    return text(_find(element, path))


def _first(*elements: etree._Element | None) -> etree._Element | None:
    """The first element found (an lxml element without children is falsy, so ``or`` will not do)."""
    return next((e for e in elements if e is not None), None)


def _identifier(element: etree._Element | None) -> Identifier | None:
    value = text(element)
    if element is None or not value:
        return None
    return Identifier(value, (element.get("schemeID") or "").strip())


def read_ubl(root: etree._Element) -> EInvoice:
    credit_note = root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote"
    type_code = _text(root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode")
    kind = DocumentKind.CREDIT_NOTE if credit_note else kind_of_type_code(type_code)
    line_tag, quantity_tag = ("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit_note else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    seller = _party(_find(root, "cac:AccountingSupplierParty/cac:Party"), root, "AccountingSupplierParty")
    buyer = _party(_find(root, "cac:AccountingCustomerParty/cac:Party"), root, "AccountingCustomerParty")
    payee_element = _find(root, "cac:PayeeParty")
    period = _find(root, "cac:InvoicePeriod")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    terms = [_text(t, "cbc:Note") for t in root.iterfind(_clark("cac:PaymentTerms"))]
    return EInvoice(
        syntax=Syntax.UBL,
        kind=kind,
        type_code=type_code,
        number=_text(root, "cbc:ID"),
        issue_date=iso_date(_find(root, "cbc:IssueDate")),
        due_date=iso_date(_first(_find(root, "cbc:DueDate"), _find(root, "cac:PaymentMeans/cbc:PaymentDueDate"))),
        currency=currency,
        tax_currency=_text(root, "cbc:TaxCurrencyCode"),
        customization_id=_text(root, "cbc:CustomizationID"),
        profile_id=_text(root, "cbc:ProfileID"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        sales_order_reference=_text(root, "cac:OrderReference/cbc:SalesOrderID"),
        contract_reference=_text(root, "cac:ContractDocumentReference/cbc:ID"),
        accounting_cost=_text(root, "cbc:AccountingCost"),
        notes=tuple(t for n in root.iterfind(_clark("cbc:Note")) if (t := text(n))),
        period_start=iso_date(_find(period, "cbc:StartDate")),
        period_end=iso_date(_find(period, "cbc:EndDate")),
        delivery_date=iso_date(_find(root, "cac:Delivery/cbc:ActualDeliveryDate")),
        seller=seller,
        buyer=buyer,
        payee=None if payee_element is None else _party(payee_element, root, "PayeeParty"),
        payment_terms=" ".join(t for t in terms if t),
        payment_means=tuple(_payment_means(m) for m in root.iterfind(_clark("cac:PaymentMeans"))),
        allowances_charges=tuple(_allowance_charge(a, document_level=True) for a in root.iterfind(_clark("cac:AllowanceCharge"))),
        tax_subtotals=_tax_subtotals(root, currency),
        totals=_totals(root, currency),
        preceding_invoices=tuple(
            DocumentReference(_text(ref, "cbc:ID"), iso_date(_find(ref, "cbc:IssueDate")))
            for ref in root.iterfind(_clark("cac:BillingReference/cac:InvoiceDocumentReference"))
        ),
        lines=tuple(_line(element, quantity_tag) for element in root.iterfind(_clark(line_tag))),
    )


def _party(element: etree._Element | None, root: etree._Element, name: str) -> Party:
    if element is None:
        raise EInvoiceInvalid(f"{name} has no Party.", location=location(root))
    address = _find(element, "cac:PostalAddress")
    contact = _find(element, "cac:Contact")
    legal = _find(element, "cac:PartyLegalEntity")
    vat_id = tax_id = ""
    for scheme in element.iterfind(_clark("cac:PartyTaxScheme")):
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat_id = vat_id or _text(scheme, "cbc:CompanyID")
        else:
            tax_id = tax_id or _text(scheme, "cbc:CompanyID")
    trading_name = _text(element, "cac:PartyName/cbc:Name")
    return Party(
        name=_text(legal, "cbc:RegistrationName") or trading_name,
        trading_name=trading_name,
        identifiers=tuple(i for e in element.iterfind(_clark("cac:PartyIdentification/cbc:ID")) if (i := _identifier(e))),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        legal_id=_identifier(_find(legal, "cbc:CompanyID")),
        endpoint=_identifier(_find(element, "cbc:EndpointID")),
        address=Address(
            street=_text(address, "cbc:StreetName"),
            additional_street=_text(address, "cbc:AdditionalStreetName"),
            address_line_3=_text(address, "cac:AddressLine/cbc:Line"),
            city=_text(address, "cbc:CityName"),
            postal_zone=_text(address, "cbc:PostalZone"),
            subdivision=_text(address, "cbc:CountrySubentity"),
            country=_text(address, "cac:Country/cbc:IdentificationCode"),
        ),
        contact=Contact(name=_text(contact, "cbc:Name"), phone=_text(contact, "cbc:Telephone"), email=_text(contact, "cbc:ElectronicMail")),
    )


def _payment_means(element: etree._Element) -> PaymentMeans:
    code = _find(element, "cbc:PaymentMeansCode")
    return PaymentMeans(
        code=text(code),
        text=(code.get("name") or "").strip() if code is not None else "",
        payment_id=_text(element, "cbc:PaymentID"),
        account_id=_text(element, "cac:PayeeFinancialAccount/cbc:ID"),
        account_name=_text(element, "cac:PayeeFinancialAccount/cbc:Name"),
        service_provider_id=_text(element, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        card_number=_text(element, "cac:CardAccount/cbc:PrimaryAccountNumberID"),
        mandate_id=_text(element, "cac:PaymentMandate/cbc:ID"),
        debited_account_id=_text(element, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
    )


def _allowance_charge(element: etree._Element, *, document_level: bool) -> AllowanceCharge:
    category = _find(element, "cac:TaxCategory") if document_level else None
    return AllowanceCharge(
        charge=_text(element, "cbc:ChargeIndicator").lower() == "true",
        amount=required_decimal(element, _find(element, "cbc:Amount"), "Amount"),
        base_amount=optional_decimal(_find(element, "cbc:BaseAmount")),
        percent=optional_decimal(_find(element, "cbc:MultiplierFactorNumeric")),
        reason=_text(element, "cbc:AllowanceChargeReason"),
        reason_code=_text(element, "cbc:AllowanceChargeReasonCode"),
        tax_category=_text(category, "cbc:ID"),
        tax_rate=optional_decimal(_find(category, "cbc:Percent")),
    )


def _tax_subtotals(root: etree._Element, currency: str) -> tuple[TaxSubtotal, ...]:
    subtotals = []
    for tax_total in root.iterfind(_clark("cac:TaxTotal")):
        for element in tax_total.iterfind(_clark("cac:TaxSubtotal")):
            category = _find(element, "cac:TaxCategory")
            subtotals.append(
                TaxSubtotal(
                    category=_text(category, "cbc:ID"),
                    rate=optional_decimal(_find(category, "cbc:Percent")),
                    taxable_amount=required_decimal(element, _find(element, "cbc:TaxableAmount"), "TaxableAmount"),
                    tax_amount=required_decimal(element, _find(element, "cbc:TaxAmount"), "TaxAmount"),
                    exemption_reason=_text(category, "cbc:TaxExemptionReason"),
                    exemption_reason_code=_text(category, "cbc:TaxExemptionReasonCode"),
                )
            )
    return tuple(subtotals)


def _tax_amount(root: etree._Element, currency: str, *, other: bool) -> Decimal | None:
    """The document's VAT total (BT-110) or the one in the tax currency (BT-111): the TaxTotal in that currency."""
    for element in root.iterfind(_clark("cac:TaxTotal/cbc:TaxAmount")):
        if (element.get("currencyID") != currency) == other:
            return optional_decimal(element)
    return None


def _totals(root: etree._Element, currency: str) -> Totals:
    element = _find(root, "cac:LegalMonetaryTotal")
    if element is None:
        raise EInvoiceInvalid("LegalMonetaryTotal is missing.", location=location(root))

    def amount(name: str) -> Decimal:
        return required_decimal(element, _find(element, f"cbc:{name}"), name)

    def maybe(name: str) -> Decimal | None:
        return optional_decimal(_find(element, f"cbc:{name}"))

    return Totals(
        line_total=amount("LineExtensionAmount"),
        tax_exclusive=amount("TaxExclusiveAmount"),
        tax_inclusive=amount("TaxInclusiveAmount"),
        payable=amount("PayableAmount"),
        tax=_tax_amount(root, currency, other=False),
        tax_in_tax_currency=_tax_amount(root, currency, other=True),
        allowance_total=maybe("AllowanceTotalAmount"),
        charge_total=maybe("ChargeTotalAmount"),
        prepaid=maybe("PrepaidAmount"),
        rounding=maybe("PayableRoundingAmount"),
    )


def _line(element: etree._Element, quantity_tag: str) -> Line:
    item = _find(element, "cac:Item")
    category = _find(item, "cac:ClassifiedTaxCategory")
    price = _find(element, "cac:Price")
    quantity = _find(element, quantity_tag)
    base_quantity = _find(price, "cbc:BaseQuantity")
    price_allowance = _find(price, "cac:AllowanceCharge")
    period = _find(element, "cac:InvoicePeriod")
    if price is None:
        raise EInvoiceInvalid("Price is missing.", location=location(element))
    return Line(
        id=_text(element, "cbc:ID"),
        name=_text(item, "cbc:Name"),
        description=_text(item, "cbc:Description"),
        quantity=required_decimal(element, quantity, quantity_tag.removeprefix("cbc:")),
        unit_code=(quantity.get("unitCode") or "").strip() if quantity is not None else "",
        net_amount=required_decimal(element, _find(element, "cbc:LineExtensionAmount"), "LineExtensionAmount"),
        unit_price=required_decimal(price, _find(price, "cbc:PriceAmount"), "PriceAmount"),
        base_quantity=optional_decimal(base_quantity),
        base_quantity_unit_code=(base_quantity.get("unitCode") or "").strip() if base_quantity is not None else "",
        gross_price=optional_decimal(_find(price_allowance, "cbc:BaseAmount")),
        price_discount=optional_decimal(_find(price_allowance, "cbc:Amount")),
        tax_category=_text(category, "cbc:ID"),
        tax_rate=optional_decimal(_find(category, "cbc:Percent")),
        seller_item_id=_text(item, "cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=_text(item, "cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_identifier(_find(item, "cac:StandardItemIdentification/cbc:ID")),
        allowances_charges=tuple(_allowance_charge(a, document_level=False) for a in element.iterfind(_clark("cac:AllowanceCharge"))),
        note=_text(element, "cbc:Note"),
        order_line_reference=_text(element, "cac:OrderLineReference/cbc:LineID"),
        period_start=iso_date(_find(period, "cbc:StartDate")),
        period_end=iso_date(_find(period, "cbc:EndDate")),
    )
