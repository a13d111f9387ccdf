"""The neutral structure an e-invoice is read into: one shape for UBL 2.1 and UN/CEFACT CII (D16B).

Nothing here knows about the portal's own models: a received invoice (AP) and an issued one (an
ERP posting its invoice) are both built from an ``EInvoice``. Names follow EN 16931's business terms
(BT-/BG- numbers in the comments), money is ``Decimal`` exactly as written in the document (signs
kept: a negative invoice stays negative), and anything the document leaves out is ``""``, ``None``
or an empty tuple.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Syntax(StrEnum):
    UBL = "ubl"
    CII = "cii"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"


# UNCL1001 document type codes (EN 16931 / Peppol BIS 3 code lists) → what the document does to what
# the buyer owes. Anything not named a credit note or a debit note bills the buyer, as an invoice does
# (380 commercial invoice, 384 corrected invoice, 386 prepayment invoice, 389 self-billed invoice, ...).
CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
DEBIT_NOTE_TYPE_CODES = frozenset({"383"})


def kind_of_type_code(code: str) -> DocumentKind:
    if code in CREDIT_NOTE_TYPE_CODES:
        return DocumentKind.CREDIT_NOTE
    if code in DEBIT_NOTE_TYPE_CODES:
        return DocumentKind.DEBIT_NOTE
    return DocumentKind.INVOICE


@dataclass(frozen=True)
class Identifier:
    """An identifier with its scheme (ISO 6523 ICD, EAS, or none)."""

    value: str
    scheme: str = ""


@dataclass(frozen=True)
class Address:  # BG-5 / BG-8
    street: str = ""  # BT-35
    additional_street: str = ""  # BT-36
    address_line_3: str = ""  # BT-162
    city: str = ""  # BT-37
    postal_zone: str = ""  # BT-38
    subdivision: str = ""  # BT-39
    country: str = ""  # BT-40 (ISO 3166-1 alpha-2)


@dataclass(frozen=True)
class Contact:  # BG-6 / BG-9
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Party:  # BG-4 seller / BG-7 buyer
    name: str  # the legal registration name (BT-27/44); the trading name when there is no other
    trading_name: str = ""  # BT-28/45
    identifiers: tuple[Identifier, ...] = ()  # BT-29/46
    vat_id: str = ""  # BT-31/48
    tax_registration_id: str = ""  # BT-32 (a local tax number, not a VAT id)
    legal_id: Identifier | None = None  # BT-30/47
    endpoint: Identifier | None = None  # BT-34/49: electronic address with its EAS scheme
    address: Address = field(default_factory=Address)
    contact: Contact = field(default_factory=Contact)


@dataclass(frozen=True)
class AllowanceCharge:  # BG-20/21 (document), BG-27/28 (line)
    charge: bool  # False: an allowance (reduces the amount); True: a charge
    amount: Decimal
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    reason: str = ""
    reason_code: str = ""
    tax_category: str = ""  # document level only (line allowances take the line's VAT)
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class Line:  # BG-25
    id: str  # BT-126
    name: str  # BT-153
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130 (UN/ECE Rec 20)
    net_amount: Decimal  # BT-131
    unit_price: Decimal  # BT-146: net price, per ``base_quantity`` units
    tax_category: str  # BT-151
    tax_rate: Decimal | None  # BT-152 (none for category O)
    description: str = ""  # BT-154
    seller_item_id: str = ""  # BT-155 (our sku)
    buyer_item_id: str = ""  # BT-156
    standard_item_id: Identifier | None = None  # BT-157 (GTIN ...)
    base_quantity: Decimal | None = None  # BT-149
    base_quantity_unit_code: str = ""  # BT-150
    gross_price: Decimal | None = None  # BT-148
    price_discount: Decimal | None = None  # BT-147
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    note: str = ""  # BT-127
    order_line_reference: str = ""  # BT-132
    period_start: dt.date | None = None  # BT-134
    period_end: dt.date | None = None  # BT-135


@dataclass(frozen=True)
class TaxSubtotal:  # BG-23
    category: str  # BT-118
    rate: Decimal | None  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120
    exemption_reason_code: str = ""  # BT-121


@dataclass(frozen=True)
class Totals:  # BG-22
    line_total: Decimal  # BT-106
    tax_exclusive: Decimal  # BT-109
    tax_inclusive: Decimal  # BT-112
    payable: Decimal  # BT-115
    tax: Decimal | None = None  # BT-110 (in the document currency)
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    prepaid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114
    tax_in_tax_currency: Decimal | None = None  # BT-111


@dataclass(frozen=True)
class PaymentMeans:  # BG-16
    code: str  # BT-81 (UNCL4461)
    text: str = ""  # BT-82
    payment_id: str = ""  # BT-83 remittance information
    account_id: str = ""  # BT-84 (IBAN)
    account_name: str = ""  # BT-85
    service_provider_id: str = ""  # BT-86 (BIC)
    card_number: str = ""  # BT-87 (the last digits only, as the document carries them)
    mandate_id: str = ""  # BT-89
    debited_account_id: str = ""  # BT-91


@dataclass(frozen=True)
class DocumentReference:  # BG-3 preceding invoice
    number: str
    issue_date: dt.date | None = None


@dataclass(frozen=True)
class EInvoice:
    syntax: Syntax
    kind: DocumentKind
    type_code: str  # BT-3
    number: str  # BT-1
    issue_date: dt.date | None  # BT-2
    currency: str  # BT-5
    seller: Party
    buyer: Party
    totals: Totals
    lines: tuple[Line, ...]
    due_date: dt.date | None = None  # BT-9
    tax_currency: str = ""  # BT-6
    customization_id: str = ""  # BT-24
    profile_id: str = ""  # BT-23
    buyer_reference: str = ""  # BT-10
    order_reference: str = ""  # BT-13 (the buyer's PO number)
    sales_order_reference: str = ""  # BT-14
    contract_reference: str = ""  # BT-12
    accounting_cost: str = ""  # BT-19
    notes: tuple[str, ...] = ()  # BT-22
    period_start: dt.date | None = None  # BT-73
    period_end: dt.date | None = None  # BT-74
    delivery_date: dt.date | None = None  # BT-72
    payee: Party | None = None  # BG-10
    payment_terms: str = ""  # BT-20
    payment_means: tuple[PaymentMeans, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    tax_subtotals: tuple[TaxSubtotal, ...] = ()
    preceding_invoices: tuple[DocumentReference, ...] = ()
