"""What a document needs before it can be an EN 16931 e-invoice (UBL, CII, Factur-X, XRechnung).

Each is a fact the portal does not store or a limit of the standard, refused with ``EInvoiceNotPossible``
and a reason that says what to change, rather than written into a document a receiving party would
reject:

- the currency must be on EN 16931's ISO 4217 list (BR-CL-04) and have at most two minor digits:
  EN 16931 allows at most two decimals on every amount (BR-DEC-*), so a document in KWD, BHD, JOD,
  OMR, TND or LYD (three) has no exact e-invoice. Such documents are PDF only (decided: no rounding of
  the stored amounts for the e-invoice, which would then disagree with the books);
- each line's net must be quantity × unit price − its allowance within the 0.02 tolerance of
  PEPPOL-EN16931-R120; a fractional unit price in a currency without minor units (12.5 JPY) breaks it;
- seller and buyer need a Peppol participant id (PEPPOL-EN16931-R020 / R010) that passes
  ``companies.peppol.check_participant_id`` (its scheme on Peppol's list, CL008, and its check digits, the
  PEPPOL-COMMON rules: a row stored before a check was added is caught here) and a country (BR-09, BR-11);
- the VAT category rules: lines taxed S, Z, E, L or M need the seller's VAT or tax registration id
  (BR-S-02, BR-Z-02, BR-E-02, BR-AF-02, BR-AG-02); AE, K and G need its VAT id (BR-AE-02, BR-IC-02,
  BR-G-02); AE needs the buyer's VAT or legal id (BR-AE-03), K the buyer's VAT id (BR-IC-03);
- the seller needs some identifier at all (BR-CO-26);
- a seller in the Netherlands (the Dutch rules of Peppol BIS 3): a credit note refers to the invoice it
  credits (NL-R-001), the seller's and a Dutch customer's addresses have street, city and postal code
  (NL-R-002, NL-R-004; a customer's address is its own, never the seller's), and customers are told an
  account to pay into (NL-R-008 refuses payment means code 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from invoice_portal.companies.peppol import check_participant_id
from invoice_portal.core.errors import EInvoiceNotPossible, ValidationFailed
from invoice_portal.core.money import minor_digits
from invoice_portal.documents.einvoice.parties import Party
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind

# ISO 4217 codes EN 16931's code list (BR-CL-03 / BR-CL-04, the 2026 CEN artifacts) accepts.
EN16931_CURRENCIES = frozenset({
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND",
    "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNH",
    "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK",
    "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR",
    "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS",
    "SRD", "SSP", "STD", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VES", "VED", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA",
    "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR",
    "ZMW", "ZWG"
})  # fmt: skip
LINE_NET_TOLERANCE = Decimal("0.02")  # PEPPOL-EN16931-R120's slack
SELLER_VAT_OR_TAX_ID = {"S", "Z", "E", "L", "M"}
SELLER_VAT_ID = {"AE", "K", "G"}


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def categories_of(invoice: Invoice, lines: Iterable[InvoiceLine]) -> set[str]:
    found = {ln.tax_category for ln in lines}
    if invoice.discount:
        found.add(invoice.discount_tax_category or "S")
    return found


def check_exportable(invoice: Invoice, lines: list[InvoiceLine], *, seller: Party, buyer: Party, peppol: bool = True) -> None:
    """``EInvoiceNotPossible`` with the first reason ``invoice`` cannot be an EN 16931 e-invoice; None when it can.

    ``peppol`` (an issued document, sent over Peppol) also wants both parties' participant ids. A received
    invoice (``invoice.direction`` received) has the supplier as seller and us as buyer, and the reasons say so.
    """
    label = f"{invoice} has no e-invoice"
    received = invoice.direction == Direction.RECEIVED
    roles = (
        ((seller, "supplier", "on the supplier"), (buyer, "buyer (us)", "in the settings"))
        if received
        else ((seller, "seller", "in the settings"), (buyer, "customer", "on the customer"))
    )
    currency = invoice.currency
    if currency not in EN16931_CURRENCIES:
        raise EInvoiceNotPossible(f"{label}: {currency} is not on the ISO 4217 list EN 16931 accepts (BR-CL-04).")
    if minor_digits(currency) > 2:
        raise EInvoiceNotPossible(
            f"{label}: {currency} has {minor_digits(currency)} decimals and EN 16931 allows at most 2 on every amount "
            "(BR-DEC rules); documents in this currency are PDF only."
        )
    for line in lines:
        exact = line.quantity * line.unit_price - line.discount
        if abs(exact - line.net_amount) > LINE_NET_TOLERANCE:
            raise EInvoiceNotPossible(
                f"{label}: line {line.line_no} is {_plain(line.quantity)} × {_plain(line.unit_price)} {currency} = {_plain(exact)}, "
                f"billed as {_plain(line.net_amount)}; EN 16931 wants the line net within 0.02 of quantity × price (PEPPOL-EN16931-R120). "
                f"Give a unit price in whole {currency} or a quantity that makes it exact."
            )
    seller_where = roles[0][2]
    for party, role, where in roles:
        if peppol and not party.endpoint_id:
            raise EInvoiceNotPossible(
                f"{label}: the {role} {party.name} has no Peppol participant id (scheme and id); set it {where} "
                f"(PEPPOL-EN16931-R020 / R010)."
            )
        if peppol:
            try:
                check_participant_id(party.endpoint_scheme, party.endpoint_id)
            except ValidationFailed as exc:
                raise EInvoiceNotPossible(
                    f"{label}: the {role} {party.name}'s Peppol participant id {party.endpoint_scheme}:{party.endpoint_id} "
                    f"is not valid in Peppol ({exc.message.split(': ', 1)[-1]}); correct it {where} (PEPPOL-EN16931-CL008, PEPPOL-COMMON)."
                ) from exc
        if not party.address.country:
            raise EInvoiceNotPossible(f"{label}: the {role} {party.name} has no country; set it {where} (BR-09 / BR-11).")
    categories = categories_of(invoice, lines)
    if categories & SELLER_VAT_ID and not seller.vat_id:
        raise EInvoiceNotPossible(
            f"{label}: lines taxed {', '.join(sorted(categories & SELLER_VAT_ID))} need the seller's VAT id; "
            f"set it as the tax id {seller_where} (BR-AE-02, BR-IC-02, BR-G-02)."
        )
    if categories & SELLER_VAT_OR_TAX_ID and not (seller.vat_id or seller.tax_registration_id):
        raise EInvoiceNotPossible(
            f"{label}: lines taxed {', '.join(sorted(categories & SELLER_VAT_OR_TAX_ID))} need the seller's VAT id or "
            f"tax number; set the tax id {seller_where} (BR-S-02, BR-Z-02, BR-E-02)."
        )
    if "K" in categories and not buyer.vat_id:
        raise EInvoiceNotPossible(f"{label}: an intra-community supply (K) needs the customer's VAT id (BR-IC-03).")
    if "AE" in categories and not (buyer.vat_id or buyer.legal_id):
        raise EInvoiceNotPossible(f"{label}: a reverse-charge supply (AE) needs the customer's VAT id or tax id (BR-AE-03).")
    if not (seller.vat_id or seller.legal_id or seller.endpoint_id):
        raise EInvoiceNotPossible(f"{label}: the seller has no tax id; set it {seller_where} (BR-CO-26).")
    if peppol and seller.address.country == "NL":  # the Dutch rules are Peppol BIS 3's
        _check_dutch(invoice, label, seller=seller, buyer=buyer)


def _address_complete(party: Party) -> bool:
    return bool(party.address.street and party.address.city and party.address.postal_zone)


def _check_dutch(invoice: Invoice, label: str, *, seller: Party, buyer: Party) -> None:
    if invoice.kind == Kind.CREDIT_NOTE and not invoice.related_invoice_id:
        raise EInvoiceNotPossible(f"{label}: a Dutch seller's credit note must refer to the invoice it credits (NL-R-001).")
    if not _address_complete(seller):
        raise EInvoiceNotPossible(f"{label}: a Dutch seller's address needs street, postal code and city (NL-R-002).")
    if buyer.address.country == "NL" and not _address_complete(buyer):
        raise EInvoiceNotPossible(f"{label}: the customer's address needs street, postal code and city (NL-R-004).")
    if not seller.account:
        raise EInvoiceNotPossible(f"{label}: a Dutch seller states the account to pay into; set the IBAN in the settings (NL-R-008).")
