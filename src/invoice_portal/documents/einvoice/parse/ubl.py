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
from invoice_portal.documents.einvoice.parse.xml import Children, clark_steps

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
ROOTS = {f"{{{INVOICE_NS}}}Invoice": DocumentKind.INVOICE, f"{{{CREDIT_NOTE_NS}}}CreditNote": DocumentKind.CREDIT_NOTE}
NS = {"cac": CAC, "cbc": CBC}


_steps = clark_steps(NS)


def _text(c: Children, element: etree._Element | None, path: str) -> str:
    return text(c.find(element, path))


def _first(*elements: etree._Element | None) -> etree._Element | None:
    """The first element found (an lxml element without children is falsy, so ``or`` will not do)."""
    return next((e for e in elements if e is not None), None)


def _identifier(element: etree._Element | None) -> Identifier | None:
    value = text(element)
    if element is None or not value:
        return None
    return Identifier(value, (element.get("schemeID") or "").strip())


def read_ubl(root: etree._Element) -> EInvoice:
    c = Children(_steps)
    credit_note = root.tag == f"{{{CREDIT_NOTE_NS}}}CreditNote"
    type_code = _text(c, root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode")
    kind = DocumentKind.CREDIT_NOTE if credit_note else kind_of_type_code(type_code)
    line_tag, quantity_tag = ("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit_note else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    seller = _party(c, c.find(root, "cac:AccountingSupplierParty/cac:Party"), root, "AccountingSupplierParty")
    buyer = _party(c, c.find(root, "cac:AccountingCustomerParty/cac:Party"), root, "AccountingCustomerParty")
    payee_element = c.find(root, "cac:PayeeParty")
    period = c.find(root, "cac:InvoicePeriod")
    currency = _text(c, root, "cbc:DocumentCurrencyCode")
    terms = [_text(c, t, "cbc:Note") for t in c.findall(root, "cac:PaymentTerms")]
    return EInvoice(
        syntax=Syntax.UBL,
        kind=kind,
        type_code=type_code,
        number=_text(c, root, "cbc:ID"),
        issue_date=iso_date(c.find(root, "cbc:IssueDate")),
        due_date=iso_date(_first(c.find(root, "cbc:DueDate"), c.find(root, "cac:PaymentMeans/cbc:PaymentDueDate"))),
        currency=currency,
        tax_currency=_text(c, root, "cbc:TaxCurrencyCode"),
        customization_id=_text(c, root, "cbc:CustomizationID"),
        profile_id=_text(c, root, "cbc:ProfileID"),
        buyer_reference=_text(c, root, "cbc:BuyerReference"),
        order_reference=_text(c, root, "cac:OrderReference/cbc:ID"),
        sales_order_reference=_text(c, root, "cac:OrderReference/cbc:SalesOrderID"),
        contract_reference=_text(c, root, "cac:ContractDocumentReference/cbc:ID"),
        accounting_cost=_text(c, root, "cbc:AccountingCost"),
        notes=tuple(t for n in c.findall(root, "cbc:Note") if (t := text(n))),
        period_start=iso_date(c.find(period, "cbc:StartDate")),
        period_end=iso_date(c.find(period, "cbc:EndDate")),
        delivery_date=iso_date(c.find(root, "cac:Delivery/cbc:ActualDeliveryDate")),
        seller=seller,
        buyer=buyer,
        payee=None if payee_element is None else _party(c, payee_element, root, "PayeeParty"),
        payment_terms=" ".join(t for t in terms if t),
        payment_means=tuple(_payment_means(c, m) for m in c.findall(root, "cac:PaymentMeans")),
        allowances_charges=tuple(_allowance_charge(c, a, document_level=True) for a in c.findall(root, "cac:AllowanceCharge")),
        tax_subtotals=_tax_subtotals(c, root, currency),
        totals=_totals(c, root, currency),
        preceding_invoices=tuple(
            DocumentReference(_text(c, ref, "cbc:ID"), iso_date(c.find(ref, "cbc:IssueDate")))
            for ref in c.findall(root, "cac:BillingReference/cac:InvoiceDocumentReference")
        ),
        lines=tuple(_line(c, element, quantity_tag) for element in c.findall(root, line_tag)),
    )


def _party(c: Children, element: etree._Element | None, root: etree._Element, name: str) -> Party:
    if element is None:
        raise EInvoiceInvalid(f"{name} has no Party.", location=location(root))
    address = c.find(element, "cac:PostalAddress")
    contact = c.find(element, "cac:Contact")
    legal = c.find(element, "cac:PartyLegalEntity")
    vat_id = tax_id = ""
    for scheme in c.findall(element, "cac:PartyTaxScheme"):
        if _text(c, scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat_id = vat_id or _text(c, scheme, "cbc:CompanyID")
        else:
            tax_id = tax_id or _text(c, scheme, "cbc:CompanyID")
    trading_name = _text(c, element, "cac:PartyName/cbc:Name")
    return Party(
        name=_text(c, legal, "cbc:RegistrationName") or trading_name,
        trading_name=trading_name,
        identifiers=tuple(i for e in c.findall(element, "cac:PartyIdentification/cbc:ID") if (i := _identifier(e))),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        legal_id=_identifier(c.find(legal, "cbc:CompanyID")),
        endpoint=_identifier(c.find(element, "cbc:EndpointID")),
        address=Address(
            street=_text(c, address, "cbc:StreetName"),
            additional_street=_text(c, address, "cbc:AdditionalStreetName"),
            address_line_3=_text(c, address, "cac:AddressLine/cbc:Line"),
            city=_text(c, address, "cbc:CityName"),
            postal_zone=_text(c, address, "cbc:PostalZone"),
            subdivision=_text(c, address, "cbc:CountrySubentity"),
            country=_text(c, address, "cac:Country/cbc:IdentificationCode"),
        ),
        contact=Contact(
            name=_text(c, contact, "cbc:Name"), phone=_text(c, contact, "cbc:Telephone"), email=_text(c, contact, "cbc:ElectronicMail")
        ),
    )


def _payment_means(c: Children, element: etree._Element) -> PaymentMeans:
    code = c.find(element, "cbc:PaymentMeansCode")
    return PaymentMeans(
        code=text(code),
        text=(code.get("name") or "").strip() if code is not None else "",
        payment_id=_text(c, element, "cbc:PaymentID"),
        account_id=_text(c, element, "cac:PayeeFinancialAccount/cbc:ID"),
        account_name=_text(c, element, "cac:PayeeFinancialAccount/cbc:Name"),
        service_provider_id=_text(c, element, "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"),
        card_number=_text(c, element, "cac:CardAccount/cbc:PrimaryAccountNumberID"),
        mandate_id=_text(c, element, "cac:PaymentMandate/cbc:ID"),
        debited_account_id=_text(c, element, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"),
    )


def _allowance_charge(c: Children, element: etree._Element, *, document_level: bool) -> AllowanceCharge:
    category = c.find(element, "cac:TaxCategory") if document_level else None
    return AllowanceCharge(
        charge=_text(c, element, "cbc:ChargeIndicator").lower() == "true",
        amount=required_decimal(element, c.find(element, "cbc:Amount"), "Amount"),
        base_amount=optional_decimal(c.find(element, "cbc:BaseAmount")),
        percent=optional_decimal(c.find(element, "cbc:MultiplierFactorNumeric")),
        reason=_text(c, element, "cbc:AllowanceChargeReason"),
        reason_code=_text(c, element, "cbc:AllowanceChargeReasonCode"),
        tax_category=_text(c, category, "cbc:ID"),
        tax_rate=optional_decimal(c.find(category, "cbc:Percent")),
    )


def _tax_subtotals(c: Children, root: etree._Element, currency: str) -> tuple[TaxSubtotal, ...]:
    subtotals = []
    for tax_total in c.findall(root, "cac:TaxTotal"):
        for element in c.findall(tax_total, "cac:TaxSubtotal"):
            category = c.find(element, "cac:TaxCategory")
            subtotals.append(
                TaxSubtotal(
                    category=_text(c, category, "cbc:ID"),
                    rate=optional_decimal(c.find(category, "cbc:Percent")),
                    taxable_amount=required_decimal(element, c.find(element, "cbc:TaxableAmount"), "TaxableAmount"),
                    tax_amount=required_decimal(element, c.find(element, "cbc:TaxAmount"), "TaxAmount"),
                    exemption_reason=_text(c, category, "cbc:TaxExemptionReason"),
                    exemption_reason_code=_text(c, category, "cbc:TaxExemptionReasonCode"),
                )
            )
    return tuple(subtotals)


def _tax_amount(c: Children, root: etree._Element, currency: str, *, other: bool) -> Decimal | None:
    """The document's VAT total (BT-110) or the one in the tax currency (BT-111): the TaxTotal in that currency."""
    for element in c.findall(root, "cac:TaxTotal/cbc:TaxAmount"):
        if (element.get("currencyID") != currency) == other:
            return optional_decimal(element)
    return None


def _totals(c: Children, root: etree._Element, currency: str) -> Totals:
    element = c.find(root, "cac:LegalMonetaryTotal")
    if element is None:
        raise EInvoiceInvalid("LegalMonetaryTotal is missing.", location=location(root))

    def amount(name: str) -> Decimal:
        return required_decimal(element, c.find(element, f"cbc:{name}"), name)

    def maybe(name: str) -> Decimal | None:
        return optional_decimal(c.find(element, f"cbc:{name}"))

    return Totals(
        line_total=amount("LineExtensionAmount"),
        tax_exclusive=amount("TaxExclusiveAmount"),
        tax_inclusive=amount("TaxInclusiveAmount"),
        payable=amount("PayableAmount"),
        tax=_tax_amount(c, root, currency, other=False),
        tax_in_tax_currency=_tax_amount(c, root, currency, other=True),
        allowance_total=maybe("AllowanceTotalAmount"),
        charge_total=maybe("ChargeTotalAmount"),
        prepaid=maybe("PrepaidAmount"),
        rounding=maybe("PayableRoundingAmount"),
    )


def _line(c: Children, element: etree._Element, quantity_tag: str) -> Line:
    item = c.find(element, "cac:Item")
    category = c.find(item, "cac:ClassifiedTaxCategory")
    price = c.find(element, "cac:Price")
    quantity = c.find(element, quantity_tag)
    base_quantity = c.find(price, "cbc:BaseQuantity")
    price_allowance = c.find(price, "cac:AllowanceCharge")
    period = c.find(element, "cac:InvoicePeriod")
    if price is None:
        raise EInvoiceInvalid("Price is missing.", location=location(element))
    return Line(
        id=_text(c, element, "cbc:ID"),
        name=_text(c, item, "cbc:Name"),
        description=_text(c, item, "cbc:Description"),
        quantity=required_decimal(element, quantity, quantity_tag.removeprefix("cbc:")),
        unit_code=(quantity.get("unitCode") or "").strip() if quantity is not None else "",
        net_amount=required_decimal(element, c.find(element, "cbc:LineExtensionAmount"), "LineExtensionAmount"),
        unit_price=required_decimal(price, c.find(price, "cbc:PriceAmount"), "PriceAmount"),
        base_quantity=optional_decimal(base_quantity),
        base_quantity_unit_code=(base_quantity.get("unitCode") or "").strip() if base_quantity is not None else "",
        gross_price=optional_decimal(c.find(price_allowance, "cbc:BaseAmount")),
        price_discount=optional_decimal(c.find(price_allowance, "cbc:Amount")),
        tax_category=_text(c, category, "cbc:ID"),
        tax_rate=optional_decimal(c.find(category, "cbc:Percent")),
        seller_item_id=_text(c, item, "cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=_text(c, item, "cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_identifier(c.find(item, "cac:StandardItemIdentification/cbc:ID")),
        allowances_charges=tuple(_allowance_charge(c, a, document_level=False) for a in c.findall(element, "cac:AllowanceCharge")),
        note=_text(c, element, "cbc:Note"),
        order_line_reference=_text(c, element, "cac:OrderLineReference/cbc:LineID"),
        period_start=iso_date(c.find(period, "cbc:StartDate")),
        period_end=iso_date(c.find(period, "cbc:EndDate")),
    )
