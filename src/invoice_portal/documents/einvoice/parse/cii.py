"""UN/CEFACT CII D16B CrossIndustryInvoice → ``EInvoice`` (the EN 16931 CII syntax binding, Factur-X/ZUGFeRD)."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from invoice_portal.documents.einvoice.parse.errors import EInvoiceInvalid
from invoice_portal.documents.einvoice.parse.model import (
    Address,
    AllowanceCharge,
    Contact,
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
from invoice_portal.documents.einvoice.parse.values import cii_date, location, optional_decimal, required_decimal, text
from invoice_portal.documents.einvoice.parse.xml import Children, clark_steps

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
VAT_REGISTRATION, TAX_REGISTRATION = "VA", "FC"


_steps = clark_steps(NS)


def _text(c: Children, element: etree._Element | None, path: str) -> str:
    return text(c.find(element, path))


def _identifier(element: etree._Element | None) -> Identifier | None:
    value = text(element)
    if element is None or not value:
        return None
    return Identifier(value, (element.get("schemeID") or "").strip())


def _require(c: Children, parent: etree._Element, path: str) -> etree._Element:
    element = c.find(parent, path)
    if element is None:
        raise EInvoiceInvalid(f"{path.rsplit('/', 1)[-1]} is missing.", location=location(parent))
    return element


def read_cii(root: etree._Element) -> EInvoice:
    c = Children(_steps)
    document = _require(c, root, "rsm:ExchangedDocument")
    transaction = _require(c, root, "rsm:SupplyChainTradeTransaction")
    agreement = _require(c, transaction, "ram:ApplicableHeaderTradeAgreement")
    delivery = c.find(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _require(c, transaction, "ram:ApplicableHeaderTradeSettlement")
    context = c.find(root, "rsm:ExchangedDocumentContext")
    type_code = _text(c, document, "ram:TypeCode")
    currency = _text(c, settlement, "ram:InvoiceCurrencyCode")
    period = c.find(settlement, "ram:BillingSpecifiedPeriod")
    terms = c.find(settlement, "ram:SpecifiedTradePaymentTerms")
    payee = c.find(settlement, "ram:PayeeTradeParty")
    payment_reference = _text(c, settlement, "ram:PaymentReference")
    return EInvoice(
        syntax=Syntax.CII,
        kind=kind_of_type_code(type_code),
        type_code=type_code,
        number=_text(c, document, "ram:ID"),
        issue_date=cii_date(c.find(document, "ram:IssueDateTime")),
        due_date=cii_date(c.find(terms, "ram:DueDateDateTime")),
        currency=currency,
        tax_currency=_text(c, settlement, "ram:TaxCurrencyCode"),
        customization_id=_text(c, context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        profile_id=_text(c, context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        buyer_reference=_text(c, agreement, "ram:BuyerReference"),
        order_reference=_text(c, agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_reference=_text(c, agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"),
        contract_reference=_text(c, agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        accounting_cost=_text(c, settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        notes=tuple(t for n in c.findall(document, "ram:IncludedNote/ram:Content") if (t := text(n))),
        period_start=cii_date(c.find(period, "ram:StartDateTime")),
        period_end=cii_date(c.find(period, "ram:EndDateTime")),
        delivery_date=cii_date(c.find(delivery, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime")),
        seller=_party(c, c.find(agreement, "ram:SellerTradeParty"), agreement, "SellerTradeParty"),
        buyer=_party(c, c.find(agreement, "ram:BuyerTradeParty"), agreement, "BuyerTradeParty"),
        payee=None if payee is None else _party(c, payee, settlement, "PayeeTradeParty"),
        payment_terms=" ".join(t for e in c.findall(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description") if (t := text(e))),
        payment_means=tuple(
            _payment_means(c, m, payment_reference) for m in c.findall(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        ),
        allowances_charges=tuple(
            _allowance_charge(c, a, document_level=True) for a in c.findall(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ),
        tax_subtotals=tuple(_tax_subtotal(c, t) for t in c.findall(settlement, "ram:ApplicableTradeTax")),
        totals=_totals(c, settlement, currency),
        preceding_invoices=tuple(
            DocumentReference(_text(c, ref, "ram:IssuerAssignedID"), cii_date(c.find(ref, "ram:FormattedIssueDateTime")))
            for ref in c.findall(settlement, "ram:InvoiceReferencedDocument")
        ),
        lines=tuple(_line(c, element) for element in c.findall(transaction, "ram:IncludedSupplyChainTradeLineItem")),
    )


def _party(c: Children, element: etree._Element | None, parent: etree._Element, name: str) -> Party:
    if element is None:
        raise EInvoiceInvalid(f"{name} is missing.", location=location(parent))
    address = c.find(element, "ram:PostalTradeAddress")
    contact = c.find(element, "ram:DefinedTradeContact")
    legal = c.find(element, "ram:SpecifiedLegalOrganization")
    vat_id = tax_id = ""
    for registration in c.findall(element, "ram:SpecifiedTaxRegistration/ram:ID"):
        scheme = (registration.get("schemeID") or "").strip()
        if scheme == VAT_REGISTRATION:
            vat_id = vat_id or text(registration)
        elif scheme == TAX_REGISTRATION:
            tax_id = tax_id or text(registration)
    identifiers = [i for e in c.findall(element, "ram:ID") if (i := _identifier(e))]
    identifiers += [i for e in c.findall(element, "ram:GlobalID") if (i := _identifier(e))]
    return Party(
        name=_text(c, element, "ram:Name"),
        trading_name=_text(c, legal, "ram:TradingBusinessName"),
        identifiers=tuple(identifiers),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        legal_id=_identifier(c.find(legal, "ram:ID")),
        endpoint=_identifier(c.find(element, "ram:URIUniversalCommunication/ram:URIID")),
        address=Address(
            street=_text(c, address, "ram:LineOne"),
            additional_street=_text(c, address, "ram:LineTwo"),
            address_line_3=_text(c, address, "ram:LineThree"),
            city=_text(c, address, "ram:CityName"),
            postal_zone=_text(c, address, "ram:PostcodeCode"),
            subdivision=_text(c, address, "ram:CountrySubDivisionName"),
            country=_text(c, address, "ram:CountryID"),
        ),
        contact=Contact(
            name=_text(c, contact, "ram:PersonName") or _text(c, contact, "ram:DepartmentName"),
            phone=_text(c, contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=_text(c, contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
        ),
    )


def _payment_means(c: Children, element: etree._Element, payment_reference: str) -> PaymentMeans:
    return PaymentMeans(
        code=_text(c, element, "ram:TypeCode"),
        text=_text(c, element, "ram:Information"),
        payment_id=payment_reference,
        account_id=_text(c, element, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
        or _text(c, element, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
        account_name=_text(c, element, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"),
        service_provider_id=_text(c, element, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        card_number=_text(c, element, "ram:ApplicableTradeSettlementFinancialCard/ram:ID"),
        debited_account_id=_text(c, element, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    )


def _allowance_charge(c: Children, element: etree._Element, *, document_level: bool) -> AllowanceCharge:
    tax = c.find(element, "ram:CategoryTradeTax") if document_level else None
    return AllowanceCharge(
        charge=_text(c, element, "ram:ChargeIndicator/udt:Indicator").lower() == "true",
        amount=required_decimal(element, c.find(element, "ram:ActualAmount"), "ActualAmount"),
        base_amount=optional_decimal(c.find(element, "ram:BasisAmount")),
        percent=optional_decimal(c.find(element, "ram:CalculationPercent")),
        reason=_text(c, element, "ram:Reason"),
        reason_code=_text(c, element, "ram:ReasonCode"),
        tax_category=_text(c, tax, "ram:CategoryCode"),
        tax_rate=optional_decimal(c.find(tax, "ram:RateApplicablePercent")),
    )


def _tax_subtotal(c: Children, element: etree._Element) -> TaxSubtotal:
    return TaxSubtotal(
        category=_text(c, element, "ram:CategoryCode"),
        rate=optional_decimal(c.find(element, "ram:RateApplicablePercent")),
        taxable_amount=required_decimal(element, c.find(element, "ram:BasisAmount"), "BasisAmount"),
        tax_amount=required_decimal(element, c.find(element, "ram:CalculatedAmount"), "CalculatedAmount"),
        exemption_reason=_text(c, element, "ram:ExemptionReason"),
        exemption_reason_code=_text(c, element, "ram:ExemptionReasonCode"),
    )


def _tax_amount(c: Children, summation: etree._Element, currency: str, *, other: bool) -> Decimal | None:
    for element in c.findall(summation, "ram:TaxTotalAmount"):
        if ((element.get("currencyID") or currency) != currency) == other:
            return optional_decimal(element)
    return None


def _totals(c: Children, settlement: etree._Element, currency: str) -> Totals:
    summation = _require(c, settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")

    def amount(name: str) -> Decimal:
        return required_decimal(summation, c.find(summation, f"ram:{name}"), name)

    def maybe(name: str) -> Decimal | None:
        return optional_decimal(c.find(summation, f"ram:{name}"))

    return Totals(
        line_total=amount("LineTotalAmount"),
        tax_exclusive=amount("TaxBasisTotalAmount"),
        tax_inclusive=amount("GrandTotalAmount"),
        payable=amount("DuePayableAmount"),
        tax=_tax_amount(c, summation, currency, other=False),
        tax_in_tax_currency=_tax_amount(c, summation, currency, other=True),
        allowance_total=maybe("AllowanceTotalAmount"),
        charge_total=maybe("ChargeTotalAmount"),
        prepaid=maybe("TotalPrepaidAmount"),
        rounding=maybe("RoundingAmount"),
    )


def _line(c: Children, element: etree._Element) -> Line:
    product = c.find(element, "ram:SpecifiedTradeProduct")
    agreement = _require(c, element, "ram:SpecifiedLineTradeAgreement")
    settlement = _require(c, element, "ram:SpecifiedLineTradeSettlement")
    tax = c.find(settlement, "ram:ApplicableTradeTax")
    quantity = _require(c, element, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    net_price = _require(c, agreement, "ram:NetPriceProductTradePrice")
    gross_price = c.find(agreement, "ram:GrossPriceProductTradePrice")
    base_quantity = c.find(net_price, "ram:BasisQuantity")
    if base_quantity is None:
        base_quantity = c.find(gross_price, "ram:BasisQuantity")
    period = c.find(settlement, "ram:BillingSpecifiedPeriod")
    return Line(
        id=_text(c, element, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        name=_text(c, product, "ram:Name"),
        description=_text(c, product, "ram:Description"),
        quantity=required_decimal(element, quantity, "BilledQuantity"),
        unit_code=(quantity.get("unitCode") or "").strip(),
        net_amount=required_decimal(
            settlement, c.find(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"), "LineTotalAmount"
        ),
        unit_price=required_decimal(net_price, c.find(net_price, "ram:ChargeAmount"), "ChargeAmount"),
        base_quantity=optional_decimal(base_quantity),
        base_quantity_unit_code=(base_quantity.get("unitCode") or "").strip() if base_quantity is not None else "",
        gross_price=optional_decimal(c.find(gross_price, "ram:ChargeAmount")),
        price_discount=optional_decimal(c.find(gross_price, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount")),
        tax_category=_text(c, tax, "ram:CategoryCode"),
        tax_rate=optional_decimal(c.find(tax, "ram:RateApplicablePercent")),
        seller_item_id=_text(c, product, "ram:SellerAssignedID"),
        buyer_item_id=_text(c, product, "ram:BuyerAssignedID"),
        standard_item_id=_identifier(c.find(product, "ram:GlobalID")),
        allowances_charges=tuple(
            _allowance_charge(c, a, document_level=False) for a in c.findall(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ),
        note=_text(c, element, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
        order_line_reference=_text(c, agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
        period_start=cii_date(c.find(period, "ram:StartDateTime")),
        period_end=cii_date(c.find(period, "ram:EndDateTime")),
    )
