"""One parser for e-invoices: UBL 2.1 Invoice and CreditNote, UN/CEFACT CII D16B CrossIndustryInvoice.

``parse_einvoice(data)`` is a pure function from the document's bytes to the neutral ``EInvoice``: it
reads what the document says and decides nothing about it (the official EN 16931 validation, in
``einvoice.validation``, judges it; the issued-side import and the AP intake each map it to their
own documents). Untrusted input is read safely (``xml.parse_xml``); every failure is a typed
``DomainError`` with a 4xx status.
"""

from __future__ import annotations

from invoice_portal.documents.einvoice.parse import cii, ubl
from invoice_portal.documents.einvoice.parse.errors import EInvoiceInvalid, EInvoiceRefused, EInvoiceTooLarge
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
)
from invoice_portal.documents.einvoice.parse.xml import MAX_BYTES, parse_xml

__all__ = [
    "MAX_BYTES", "Address", "AllowanceCharge", "Contact", "DocumentKind", "DocumentReference", "EInvoice", "EInvoiceInvalid",
    "EInvoiceRefused", "EInvoiceTooLarge", "Identifier", "Line", "Party", "PaymentMeans", "Syntax", "TaxSubtotal", "Totals",
    "detect_syntax", "parse_einvoice",
]  # fmt: skip


def detect_syntax(data: bytes, *, max_bytes: int = MAX_BYTES) -> Syntax:
    """Which syntax ``data`` is written in (reads it as safely as ``parse_einvoice`` does)."""
    return _syntax(parse_xml(data, max_bytes=max_bytes))


def _syntax(root: object) -> Syntax:
    tag = getattr(root, "tag", "")
    if tag in ubl.ROOTS:
        return Syntax.UBL
    if tag == cii.ROOT:
        return Syntax.CII
    raise EInvoiceRefused(
        f"The document's root element is {tag}; a UBL 2.1 Invoice or CreditNote or a CII CrossIndustryInvoice is expected."
    )


def parse_einvoice(data: bytes, *, max_bytes: int = MAX_BYTES) -> EInvoice:
    """The e-invoice ``data`` holds, in the neutral structure; ``EInvoiceRefused``/``EInvoiceInvalid`` otherwise."""
    root = parse_xml(data, max_bytes=max_bytes)
    if _syntax(root) == Syntax.UBL:
        return ubl.read_ubl(root)
    return cii.read_cii(root)
