"""PDF documents rendered from HTML templates with WeasyPrint, cached per document state.

A document's PDF depends on its content version, its settlement (payments and memos shown,
balance due) and the seller's profile and logo. The cache key is built from exactly those, so a repeat
download of an unchanged document reads the file rendered the first time, and any change
renders a new one. Files are written to a temporary name and renamed, so concurrent web
processes never serve a half-written PDF.

Rendering never reaches the network or the file system: the logo is embedded as a ``data:`` URI
(``logo_data_uri``) and the renderer refuses every other kind of URL.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Invoice, Kind
from invoice_portal.invoices.selectors import line_views
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.payments.selectors import allocations_to
from invoice_portal.payments.statements import Statement

TITLES = {Kind.INVOICE: "Invoice", Kind.CREDIT_NOTE: "Credit note", Kind.DEBIT_NOTE: "Debit note"}


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    filename: str
    from_cache: bool


def _cache_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "pdf-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _seller_fingerprint() -> str:
    s = portal_settings()
    # The logo's file name carries a hash of its content, so a new logo changes the fingerprint.
    profile = f"{s.seller_name}|{s.seller_address}|{s.seller_tax_id}|{s.seller_email}|{s.logo.name or ''}"
    return hashlib.sha256(profile.encode()).hexdigest()[:12]


_LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def logo_content(seller: PortalSettings) -> tuple[bytes, str] | None:
    """The seller's logo file and its content type, or None when there is none (or its file is gone)."""
    name = seller.logo.name or ""
    content_type = _LOGO_TYPES.get(Path(name).suffix.lower())
    if not name or content_type is None:
        return None
    try:
        with seller.logo.storage.open(name, "rb") as handle:
            return handle.read(), content_type
    except FileNotFoundError:
        return None


def logo_data_uri(seller: PortalSettings) -> str:
    """The seller's logo as a ``data:`` URI for a document's header, or "" when there is none."""
    logo = logo_content(seller)
    return f"data:{logo[1]};base64,{base64.b64encode(logo[0]).decode('ascii')}" if logo else ""


def invoice_cache_key(invoice: Invoice) -> str:
    state = f"{invoice.pk}|{invoice.version}|{invoice.status}|{invoice.allocated_total}|{invoice.updated_at.isoformat()}"
    digest = hashlib.sha256(f"{state}|{_seller_fingerprint()}".encode()).hexdigest()[:24]
    return f"invoice-{invoice.pk}-v{invoice.version}-{digest}"


def _invoice_context(invoice: Invoice) -> dict[str, Any]:
    lines = line_views(invoice)
    totals = compute_totals(
        (LineInput(v.line.quantity, v.line.unit_price, v.line.discount, v.line.tax_category, v.line.tax_rate) for v in lines),
        currency=invoice.currency,
        discount=invoice.discount,
        discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )
    return {
        "invoice": invoice,
        "title": TITLES[Kind(invoice.kind)],
        "seller": portal_settings(),
        "company": invoice.company,
        "lines": lines,
        "breakdown": totals.breakdown,
        "allocations": list(allocations_to(invoice)),
        "applied": list(invoice.applied_allocations.filter(amount__gt=0).select_related("invoice")),
        "generated_at": timezone.now(),
    }


def render_html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only data: URIs (the embedded logo): a document never makes the server fetch a URL or read a file.
    fetcher = URLFetcher(allowed_protocols={"data"})
    result = HTML(string=html, base_url=str(Path(__file__).parent), url_fetcher=fetcher).write_pdf()
    assert result is not None
    return bytes(result)


def invoice_pdf(invoice: Invoice) -> RenderedPdf:
    """The PDF of an invoice, credit note or debit note; rendered once per document state."""
    filename = f"{invoice.number or f'draft-{invoice.pk}'}.pdf"
    path = _cache_dir() / f"{invoice_cache_key(invoice)}.pdf"
    try:
        return RenderedPdf(path.read_bytes(), filename, from_cache=True)
    except FileNotFoundError:
        pass
    content = render_html_to_pdf(render_to_string("documents/invoice.html", _invoice_context(invoice)))
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
    return RenderedPdf(content, filename, from_cache=False)


def statement_pdf(*, statement: Statement, aging: Sequence[Any]) -> bytes:
    """A statement of account as a PDF (not cached: it is as of the moment it is printed).

    ``aging`` rows have a ``currency``, ``buckets`` (label and amount pairs) and a ``total``.
    """
    context = {"statement": statement, "aging": aging, "seller": portal_settings(), "generated_at": timezone.now()}
    return render_html_to_pdf(render_to_string("documents/statement.html", context))
