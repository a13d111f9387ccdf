"""XRechnung 3.0 (the German CIUS of EN 16931, UBL syntax) for German public customers.

The document is ``ubl``'s, with XRechnung's customization id (BR-DE-21). The KoSIT XRechnung schematron
is not shipped in any package we use, so what XRechnung adds that concerns us is checked here before
writing, each rule by its id, and refused with ``EInvoiceNotPossible`` naming what to set:

- BR-DE-2, BR-DE-5, BR-DE-6, BR-DE-7: the seller's contact with name, phone and email (settings);
- BR-DE-3, BR-DE-4: the seller's city and postal code; BR-DE-8, BR-DE-9: the buyer's;
- BR-DE-1: payment instructions (BG-16) — always written, on credit notes too; BR-DE-23-a: with code 30
  or 58 the account is given (it is: those codes are used only with the settings' account);
- BR-DE-15: a buyer reference: the customer's Leitweg-ID (``Company.leitweg_id``, format and check digits
  checked by ``companies.leitweg``); a customer marked as XRechnung (a German public customer) without
  one has no XRechnung. For other customers it is written as in ``ubl.buyer_reference``;
- BR-DE-16: the seller's VAT id or tax number;
- BR-DE-17: the type code is one of 326, 380, 384, 389, 381, 875, 876, 877 — a debit note (383) has no
  XRechnung.
- BR-DE-18: a line of the payment terms that starts with "#" is cash discount terms in XRechnung's own
  syntax (``#SKONTO#TAGE=14#PROZENT=2.00#``, optionally ``#BASISBETRAG=…#``, followed by a line break, which
  ``ubl`` writes). A line of the payment instructions that starts with "#" and is not such terms ("# 4711")
  would make the document invalid: it is refused, naming the line.
"""

from __future__ import annotations

import re

from invoice_portal.companies.models import EInvoiceFormat
from invoice_portal.core.errors import EInvoiceNotPossible
from invoice_portal.documents.einvoice.parties import Party
from invoice_portal.invoices.models import Invoice, Kind

# BR-DE-18's pattern of a cash discount line (KoSIT's XR-SKONTO-REGEX): upper case, no blanks, two decimals.
SKONTO_LINE = re.compile(r"#SKONTO#TAGE=[0-9]+#PROZENT=[0-9]+\.[0-9]{2}(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#")


def check_xrechnung(invoice: Invoice, seller: Party, buyer: Party) -> None:
    label = f"{invoice} has no XRechnung"
    if invoice.kind == Kind.DEBIT_NOTE:
        raise EInvoiceNotPossible(f"{label}: XRechnung has no debit note (type 383 is not allowed, BR-DE-17); send it as an invoice.")
    if invoice.company.einvoice_format == EInvoiceFormat.XRECHNUNG and not invoice.company.leitweg_id:
        raise EInvoiceNotPossible(
            f"{label}: the customer {invoice.company.name} receives XRechnung but has no Leitweg-ID; set it on the customer "
            "(it is the buyer reference, BT-10, BR-DE-15)."
        )
    missing = [
        name for name, value in (("contact name", seller.contact_name), ("phone", seller.phone), ("email", seller.email)) if not value
    ]
    if missing:
        raise EInvoiceNotPossible(f"{label}: the seller's {', '.join(missing)} must be set in the settings (BR-DE-2, BR-DE-5 to 7).")
    if not (seller.address.city and seller.address.postal_zone):
        raise EInvoiceNotPossible(f"{label}: the seller's address needs a postal code and city (BR-DE-3, BR-DE-4).")
    if not (buyer.address.city and buyer.address.postal_zone):
        raise EInvoiceNotPossible(f"{label}: the customer {buyer.name} needs a postal code and city (BR-DE-8, BR-DE-9).")
    if not (seller.vat_id or seller.tax_registration_id):
        raise EInvoiceNotPossible(f"{label}: the seller's VAT id or tax number must be set in the settings (BR-DE-16).")
    for line in invoice.payment_instructions.splitlines():
        text = " ".join(line.split())
        if text.startswith("#") and not SKONTO_LINE.fullmatch(text):
            raise EInvoiceNotPossible(
                f"{label}: the payment instructions' line {text!r} starts with '#', which XRechnung reserves for cash discount "
                "terms written as #SKONTO#TAGE=14#PROZENT=2.00# (BR-DE-18); write them so or reword the line."
            )
