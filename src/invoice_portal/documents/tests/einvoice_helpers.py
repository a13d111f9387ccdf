"""Documents for the import tests: our own exports under another number, and the examples adjusted to our seller."""

from __future__ import annotations

from pathlib import Path

from invoice_portal.documents.einvoice.ubl import invoice_ubl
from invoice_portal.invoices.models import Invoice

HERE = Path(__file__).parent / "einvoice"


def renumbered(invoice: Invoice, number: str) -> bytes:
    """``invoice``'s UBL export as if the ERP had issued it as ``number`` (ours stays taken by ``invoice``)."""
    xml = invoice_ubl(invoice)
    old = f">{invoice.number}<".encode()
    assert old in xml
    return xml.replace(old, f">{number}<".encode())


def example(name: str) -> bytes:
    path = HERE / name if (HERE / name).exists() else HERE / "peppol" / name
    return path.read_bytes()
