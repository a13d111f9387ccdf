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
from invoice_portal.documents.einvoice.parse.xml import clark_paths

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
ROOT = f"{{{RSM}}}CrossIndustryInvoice"
NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
VAT_REGISTRATION, TAX_REGISTRATION = "VA", "FC"


_clark = clark_paths(NS)


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else element.find(_clark(path))


def _text(element: etree._Element | None, path: str) -> str:
    return text(_find(element, path))


def _identifier(element: etree._Element | None) -> Identifier | None:
    value = text(element)
    if element is None or not value:
        return None
    return Identifier(value, (element.get("schemeID") or "").strip())


def _require(parent: etree._Element, path: str) -> etree._Element:
    element = _find(parent, path)
    if element is None:
        raise EInvoiceInvalid(f"{path.rsplit('/', 1)[-1]} is missing.", location=location(parent))
    return element


def read_cii(root: etree._Element) -> EInvoice:
    document = _require(root, "rsm:ExchangedDocument")
    transaction = _require(root, "rsm:SupplyChainTradeTransaction")
    agreement = _require(transaction, "ram:ApplicableHeaderTradeAgreement")
    delivery = _find(transaction, "ram:ApplicableHeaderTradeDelivery")
    settlement = _require(transaction, "ram:ApplicableHeaderTradeSettlement")
    context = _find(root, "rsm:ExchangedDocumentContext")
    type_code = _text(document, "ram:TypeCode")
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    period = _find(settlement, "ram:BillingSpecifiedPeriod")
    terms = _find(settlement, "ram:SpecifiedTradePaymentTerms")
    payee = _find(settlement, "ram:PayeeTradeParty")
    payment_reference = _text(settlement, "ram:PaymentReference")
    return EInvoice(
        syntax=Syntax.CII,
        kind=kind_of_type_code(type_code),
        type_code=type_code,
        number=_text(document, "ram:ID"),
        issue_date=cii_date(_find(document, "ram:IssueDateTime")),
        due_date=cii_date(_find(terms, "ram:DueDateDateTime")),
        currency=currency,
        tax_currency=_text(settlement, "ram:TaxCurrencyCode"),
        customization_id=_text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        profile_id=_text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        order_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_reference=_text(agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"),
        contract_reference=_text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        accounting_cost=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        notes=tuple(t for n in document.iterfind(_clark("ram:IncludedNote/ram:Content")) if (t := text(n))),
        period_start=cii_date(_find(period, "ram:StartDateTime")),
        period_end=cii_date(_find(period, "ram:EndDateTime")),
        delivery_date=cii_date(_find(delivery, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime")),
        seller=_party(_find(agreement, "ram:SellerTradeParty"), agreement, "SellerTradeParty"),
        buyer=_party(_find(agreement, "ram:BuyerTradeParty"), agreement, "BuyerTradeParty"),
        payee=None if payee is None else _party(payee, settlement, "PayeeTradeParty"),
        payment_terms=" ".join(t for e in settlement.iterfind(_clark("ram:SpecifiedTradePaymentTerms/ram:Description")) if (t := text(e))),
        payment_means=tuple(
            _payment_means(m, payment_reference) for m in settlement.iterfind(_clark("ram:SpecifiedTradeSettlementPaymentMeans"))
        ),
        allowances_charges=tuple(
            _allowance_charge(a, document_level=True) for a in settlement.iterfind(_clark("ram:SpecifiedTradeAllowanceCharge"))
        ),
        tax_subtotals=tuple(_tax_subtotal(t) for t in settlement.iterfind(_clark("ram:ApplicableTradeTax"))),
        totals=_totals(settlement, currency),
        preceding_invoices=tuple(
            DocumentReference(_text(ref, "ram:IssuerAssignedID"), cii_date(_find(ref, "ram:FormattedIssueDateTime")))
            for ref in settlement.iterfind(_clark("ram:InvoiceReferencedDocument"))
        ),
        lines=tuple(_line(element) for element in transaction.iterfind(_clark("ram:IncludedSupplyChainTradeLineItem"))),
    )


def _party(element: etree._Element | None, parent: etree._Element, name: str) -> Party:
    if element is None:
        raise EInvoiceInvalid(f"{name} is missing.", location=location(parent))
    address = _find(element, "ram:PostalTradeAddress")
    contact = _find(element, "ram:DefinedTradeContact")
    legal = _find(element, "ram:SpecifiedLegalOrganization")
    vat_id = tax_id = ""
    for registration in element.iterfind(_clark("ram:SpecifiedTaxRegistration/ram:ID")):
        scheme = (registration.get("schemeID") or "").strip()
        if scheme == VAT_REGISTRATION:
            vat_id = vat_id or text(registration)
        elif scheme == TAX_REGISTRATION:
            tax_id = tax_id or text(registration)
    identifiers = [i for e in element.iterfind(_clark("ram:ID")) if (i := _identifier(e))]
    identifiers += [i for e in element.iterfind(_clark("ram:GlobalID")) if (i := _identifier(e))]
    return Party(
        name=_text(element, "ram:Name"),
        trading_name=_text(legal, "ram:TradingBusinessName"),
        identifiers=tuple(identifiers),
        vat_id=vat_id,
        tax_registration_id=tax_id,
        legal_id=_identifier(_find(legal, "ram:ID")),
        endpoint=_identifier(_find(element, "ram:URIUniversalCommunication/ram:URIID")),
        address=Address(
            street=_text(address, "ram:LineOne"),
            additional_street=_text(address, "ram:LineTwo"),
            address_line_3=_text(address, "ram:LineThree"),
            city=_text(address, "ram:CityName"),
            postal_zone=_text(address, "ram:PostcodeCode"),
            subdivision=_text(address, "ram:CountrySubDivisionName"),
            country=_text(address, "ram:CountryID"),
        ),
        contact=Contact(
            name=_text(contact, "ram:PersonName") or _text(contact, "ram:DepartmentName"),
            phone=_text(contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
            email=_text(contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
        ),
    )


def _payment_means(element: etree._Element, payment_reference: str) -> PaymentMeans:
    return PaymentMeans(
        code=_text(element, "ram:TypeCode"),
        text=_text(element, "ram:Information"),
        payment_id=payment_reference,
        account_id=_text(element, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
        or _text(element, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
        account_name=_text(element, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"),
        service_provider_id=_text(element, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        card_number=_text(element, "ram:ApplicableTradeSettlementFinancialCard/ram:ID"),
        debited_account_id=_text(element, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"),
    )


def _allowance_charge(element: etree._Element, *, document_level: bool) -> AllowanceCharge:
    tax = _find(element, "ram:CategoryTradeTax") if document_level else None
    return AllowanceCharge(
        charge=_text(element, "ram:ChargeIndicator/udt:Indicator").lower() == "true",
        amount=required_decimal(element, _find(element, "ram:ActualAmount"), "ActualAmount"),
        base_amount=optional_decimal(_find(element, "ram:BasisAmount")),
        percent=optional_decimal(_find(element, "ram:CalculationPercent")),
        reason=_text(element, "ram:Reason"),
        reason_code=_text(element, "ram:ReasonCode"),
        tax_category=_text(tax, "ram:CategoryCode"),
        tax_rate=optional_decimal(_find(tax, "ram:RateApplicablePercent")),
    )


def _tax_subtotal(element: etree._Element) -> TaxSubtotal:
    return TaxSubtotal(
        category=_text(element, "ram:CategoryCode"),
        rate=optional_decimal(_find(element, "ram:RateApplicablePercent")),
        taxable_amount=required_decimal(element, _find(element, "ram:BasisAmount"), "BasisAmount"),
        tax_amount=required_decimal(element, _find(element, "ram:CalculatedAmount"), "CalculatedAmount"),
        exemption_reason=_text(element, "ram:ExemptionReason"),
        exemption_reason_code=_text(element, "ram:ExemptionReasonCode"),
    )


def _tax_amount(summation: etree._Element, currency: str, *, other: bool) -> Decimal | None:
    for element in summation.iterfind(_clark("ram:TaxTotalAmount")):
        if ((element.get("currencyID") or currency) != currency) == other:
            return optional_decimal(element)
    return None


def _totals(settlement: etree._Element, currency: str) -> Totals:
    summation = _require(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")

    def amount(name: str) -> Decimal:
        return required_decimal(summation, _find(summation, f"ram:{name}"), name)

    def maybe(name: str) -> Decimal | None:
        return optional_decimal(_find(summation, f"ram:{name}"))

    return Totals(
        line_total=amount("LineTotalAmount"),
        tax_exclusive=amount("TaxBasisTotalAmount"),
        tax_inclusive=amount("GrandTotalAmount"),
        payable=amount("DuePayableAmount"),
        tax=_tax_amount(summation, currency, other=False),
        tax_in_tax_currency=_tax_amount(summation, currency, other=True),
        allowance_total=maybe("AllowanceTotalAmount"),
        charge_total=maybe("ChargeTotalAmount"),
        prepaid=maybe("TotalPrepaidAmount"),
        rounding=maybe("RoundingAmount"),
    )


def _line(element: etree._Element) -> Line:
    product = _find(element, "ram:SpecifiedTradeProduct")
    agreement = _require(element, "ram:SpecifiedLineTradeAgreement")
    settlement = _require(element, "ram:SpecifiedLineTradeSettlement")
    tax = _find(settlement, "ram:ApplicableTradeTax")
    quantity = _require(element, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
    net_price = _require(agreement, "ram:NetPriceProductTradePrice")
    gross_price = _find(agreement, "ram:GrossPriceProductTradePrice")
    base_quantity = _find(net_price, "ram:BasisQuantity")
    if base_quantity is None:
        base_quantity = _find(gross_price, "ram:BasisQuantity")
    period = _find(settlement, "ram:BillingSpecifiedPeriod")
    return Line(
        id=_text(element, "ram:AssociatedDocumentLineDocument/ram:LineID"),
        name=_text(product, "ram:Name"),
        description=_text(product, "ram:Description"),
        quantity=required_decimal(element, quantity, "BilledQuantity"),
        unit_code=(quantity.get("unitCode") or "").strip(),
        net_amount=required_decimal(
            settlement, _find(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"), "LineTotalAmount"
        ),
        unit_price=required_decimal(net_price, _find(net_price, "ram:ChargeAmount"), "ChargeAmount"),
        base_quantity=optional_decimal(base_quantity),
        base_quantity_unit_code=(base_quantity.get("unitCode") or "").strip() if base_quantity is not None else "",
        gross_price=optional_decimal(_find(gross_price, "ram:ChargeAmount")),
        price_discount=optional_decimal(_find(gross_price, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount")),
        tax_category=_text(tax, "ram:CategoryCode"),
        tax_rate=optional_decimal(_find(tax, "ram:RateApplicablePercent")),
        seller_item_id=_text(product, "ram:SellerAssignedID"),
        buyer_item_id=_text(product, "ram:BuyerAssignedID"),
        standard_item_id=_identifier(_find(product, "ram:GlobalID")),
        allowances_charges=tuple(
            _allowance_charge(a, document_level=False) for a in settlement.iterfind(_clark("ram:SpecifiedTradeAllowanceCharge"))
        ),
        note=_text(element, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
        order_line_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
        period_start=cii_date(_find(period, "ram:StartDateTime")),
        period_end=cii_date(_find(period, "ram:EndDateTime")),
    )
