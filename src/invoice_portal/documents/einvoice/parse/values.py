"""Reading one value out of an element: text, decimals and dates, each failure naming where it was."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoice_portal.documents.einvoice.parse.errors import EInvoiceInvalid

MAX_TEXT = 10_000


def location(element: etree._Element) -> str:
    """An XPath to ``element`` with prefixes (``/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount``)."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        name = f"{node.prefix}:{etree.QName(node).localname}" if node.prefix else etree.QName(node).localname
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


def text(element: etree._Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return element.text.strip()[:MAX_TEXT]


def decimal(element: etree._Element) -> Decimal:
    raw = (element.text or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise EInvoiceInvalid(f"'{raw[:40]}' is not a number.", location=location(element)) from None
    if not value.is_finite() or "e" in raw.lower() or abs(value) >= Decimal("1e15"):
        raise EInvoiceInvalid(f"'{raw[:40]}' is not a decimal number in range.", location=location(element))
    return value


def optional_decimal(element: etree._Element | None) -> Decimal | None:
    return None if element is None else decimal(element)


def required_decimal(parent: etree._Element, element: etree._Element | None, name: str) -> Decimal:
    if element is None:
        raise EInvoiceInvalid(f"{name} is missing.", location=location(parent))
    return decimal(element)


def iso_date(element: etree._Element | None) -> dt.date | None:
    """A UBL date (``2026-12-07``)."""
    if element is None:
        return None
    raw = text(element)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise EInvoiceInvalid(f"'{raw[:40]}' is not a date (YYYY-MM-DD).", location=location(element)) from None


def cii_date(element: etree._Element | None) -> dt.date | None:
    """A CII date string (format 102: ``20261207``), the ``DateTimeString`` inside ``element``."""
    if element is None:
        return None
    string = next((child for child in element if etree.QName(child).localname == "DateTimeString"), element)
    raw = text(string)
    if string.get("format", "102") != "102" or len(raw) != 8 or not raw.isdigit():
        raise EInvoiceInvalid(f"'{raw[:40]}' is not a date of format 102 (YYYYMMDD).", location=location(string))
    try:
        return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise EInvoiceInvalid(f"'{raw}' is not a date.", location=location(string)) from None
