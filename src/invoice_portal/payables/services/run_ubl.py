"""The UBL part of a transaction run: one EN 16931 document per received invoice, zipped with a manifest.

For each invoice of the run, in invoice-id order:

- it came in as an e-invoice (source ``ubl`` or ``cii``, the supplier's XML kept byte for byte as a
  ``ReceivedAttachment``): that original goes in unchanged, never a document of ours instead;
- else it is written by the one UBL writer (``documents.einvoice.ubl.invoice_ubl``) with the roles as they
  are (``received_parties``: the supplier sells, our settings buy), an Invoice or, for a credit note, a
  CreditNote.

Every document is run through the official EN 16931 validation (``documents.einvoice.validation``: the
UBL/CII XSD and the CEN schematron; Peppol's rules are not asked of an ERP hand-off). An invoice that
cannot be written (``EInvoiceNotPossible``: the supplier has no country, say), or whose document has a
fatal violation, is left out of the zip with its reason in the manifest: never a half-valid document. It
is still in the run's CSV and JSON.

The zip is deterministic (entries in invoice-id order, fixed timestamps, no extra fields), so the same
invoices give the same bytes; its SHA-256 is recorded on the run like the other files'.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from invoice_portal.core.errors import DomainError
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.ubl import invoice_ubl, received_parties
from invoice_portal.documents.einvoice.validation import fatal, validate
from invoice_portal.invoices.models import Invoice, Source
from invoice_portal.payables.models import AttachmentKind, ReceivedAttachment

MANIFEST = "manifest.json"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the bytes depend on the invoices only
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
E_INVOICE_SOURCES = (Source.UBL, Source.CII)


@dataclass(frozen=True)
class UblZip:
    content: bytes
    sha256: str
    written: list[int]  # invoice ids in the zip
    left_out: dict[int, str]  # invoice id → why it is not
    manifest: dict[str, Any]


def ubl_zip_name(run_id: int) -> str:
    return f"run-{run_id}-ubl.zip"


def _safe(text: str) -> str:
    return _UNSAFE.sub("-", text.strip()).strip("-.")[:80] or "x"


def _filename(invoice: Invoice, taken: set[str]) -> str:
    supplier = invoice.company
    name = f"{_safe(supplier.external_id or supplier.name)}_{_safe(str(invoice.number or invoice.pk))}.xml"
    if name.lower() in taken:  # two suppliers whose names read alike after cleaning
        name = f"{name[:-4]}_{invoice.pk}.xml"
    taken.add(name.lower())
    return name


def _originals(invoices: list[Invoice]) -> dict[int, bytes]:
    """The supplier's own XML of each invoice that came in as an e-invoice (its first XML attachment)."""
    ids = [inv.pk for inv in invoices if inv.source in E_INVOICE_SOURCES]
    found: dict[int, bytes] = {}
    rows = ReceivedAttachment.objects.filter(invoice_id__in=ids, kind=AttachmentKind.XML).order_by("invoice_id", "pk")
    for invoice_id, content in rows.values_list("invoice_id", "content"):
        found.setdefault(invoice_id, bytes(content))
    return found


def _document(invoice: Invoice, original: bytes | None, settings: Any) -> tuple[bytes, str]:
    """(xml, "original" | "written"); ``DomainError`` when no document of ``invoice`` can be written."""
    if original is not None:
        return original, "original"
    return invoice_ubl(invoice, parties=received_parties(invoice, settings=settings)), "written"


def ubl_zip(run_id: int, invoices: list[Invoice]) -> UblZip:
    """The run's zip: one valid EN 16931 document per invoice that has one, and the manifest (see the module)."""
    settings = portal_settings()
    originals = _originals(invoices)
    entries: list[tuple[str, bytes]] = []
    listed: list[dict[str, Any]] = []
    left_out: dict[int, str] = {}
    taken: set[str] = {MANIFEST}
    for invoice in invoices:
        about = {"invoice_id": invoice.pk, "supplier": invoice.company.name, "supplier_invoice_number": invoice.number}
        try:
            xml, how = _document(invoice, originals.get(invoice.pk), settings)
        except DomainError as exc:
            left_out[invoice.pk] = exc.message
            continue
        violations = fatal(validate(xml))
        if violations:
            shown = "; ".join(str(v) for v in violations[:5])
            more = f" and {len(violations) - 5} more" if len(violations) > 5 else ""
            left_out[invoice.pk] = f"The {how} document breaks EN 16931: {shown}{more}."
            continue
        name = _filename(invoice, taken)
        entries.append((name, xml))
        listed.append({**about, "file": name, "document": how, "sha256": hashlib.sha256(xml).hexdigest()})
    manifest = {
        "run": run_id,
        "standard": "EN 16931 (UBL 2.1; a supplier's original e-invoice as it came in)",
        "files": listed,
        "left_out": [
            {"invoice_id": inv.pk, "supplier": inv.company.name, "supplier_invoice_number": inv.number, "reason": left_out[inv.pk]}
            for inv in invoices
            if inv.pk in left_out
        ],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in [*entries, (MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    content = buf.getvalue()
    return UblZip(
        content=content, sha256=hashlib.sha256(content).hexdigest(), written=[e["invoice_id"] for e in listed], left_out=left_out,
        manifest=manifest,
    )  # fmt: skip
