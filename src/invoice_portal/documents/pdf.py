"""PDF documents rendered from HTML templates with WeasyPrint, cached per document state.

A document's PDF depends on its content version, its settlement (payments and memos shown,
balance due) and the seller's profile and logo. The cache key is built from exactly those, so a repeat
download of an unchanged document reads the file rendered the first time, and any change
renders a new one. Files are written to a temporary name and renamed, so concurrent web
processes never serve a half-written PDF.

Rendering never reaches the network or the file system: the logo is embedded as a ``data:`` URI
(``logo_data_uri``) and the renderer refuses every other kind of URL.

What a render needs that does not depend on the document (the font configuration and the parsed
``base.css``) is built once per thread and reused: building it anew cost about a sixth of a two-page
invoice's render.
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from invoice_portal.core.collector import cyclic_gc_paused
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.wording import document_locale, payment_terms_words
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.invoices.selectors import line_views
from invoice_portal.invoices.seller import seller_of
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.invoices.wording import current_wording
from invoice_portal.payments.selectors import allocations_to
from invoice_portal.payments.statements import Statement

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    filename: str
    from_cache: bool


def _cache_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "pdf-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def seller_printed(invoice: Invoice, settings: PortalSettings) -> dict[str, str]:
    """The seller party a document prints: as it was when the document was issued (``Invoice.seller_snapshot``,
    as the e-invoices do), the current settings for a draft (or a document issued before snapshots existed)."""
    return seller_of(invoice.seller_snapshot, settings)


def _seller_fingerprint(s: PortalSettings, party: dict[str, str]) -> str:
    # The logo's file name carries a hash of its content, so a new logo changes the fingerprint; the default
    # payment instruction and the portal's address are printed under "How to pay".
    profile = f"{party['seller_name']}|{party['seller_address']}|{party['seller_tax_id']}|{party['seller_email']}|{s.logo.name or ''}"
    profile += f"|{s.payment_instruction}|{settings.PORTAL_BASE_URL}"
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


def invoice_cache_key(invoice: Invoice, seller: PortalSettings | None = None) -> str:
    if seller is None:
        seller = portal_settings()
    state = f"{invoice.pk}|{invoice.version}|{invoice.status}|{invoice.allocated_total}|{invoice.updated_at.isoformat()}"
    wording = current_wording()  # the Admin's words for its type and status are printed on it
    words = f"{wording.kind(invoice.kind)}|{wording.status(invoice.status, invoice.kind)}"
    digest = hashlib.sha256(f"{state}|{_seller_fingerprint(seller, seller_printed(invoice, seller))}|{words}".encode()).hexdigest()[:24]
    return f"invoice-{invoice.pk}-v{invoice.version}-{digest}"


PAYABLE = (Status.OPEN, Status.PARTIALLY_PAID)


def pay_now_url(invoice: Invoice) -> str:
    """The portal address where the customer pays this invoice online (its checkout, the invoice preselected)."""
    return f"{settings.PORTAL_BASE_URL}{reverse('portal:pay')}?invoice={invoice.pk}"


def how_to_pay(invoice: Invoice) -> dict[str, str] | None:
    """What an invoice or debit note says under "How to pay": its own instructions, else the seller's default
    (bank details), and the portal link that pays it while something is due. None for a credit note."""
    if invoice.kind == Kind.CREDIT_NOTE:
        return None
    instruction = invoice.payment_instructions.strip() or portal_settings().payment_instruction
    payable = invoice.status in PAYABLE and invoice.balance > 0
    return {"instruction": instruction, "pay_url": pay_now_url(invoice) if payable else ""}


def _invoice_context(invoice: Invoice, seller: PortalSettings) -> dict[str, Any]:
    lines = line_views(invoice)
    wording = current_wording()
    totals = compute_totals(
        (LineInput(v.line.quantity, v.line.unit_price, v.line.discount, v.line.tax_category, v.line.tax_rate) for v in lines),
        currency=invoice.currency,
        discount=invoice.discount,
        discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )
    return {
        "invoice": invoice,
        "title": wording.kind(invoice.kind),
        "status_words": wording.of(invoice),
        "seller": seller,  # the logo; the party printed is ``party``
        "party": seller_printed(invoice, seller),
        "company": invoice.company,
        "lines": lines,
        "breakdown": totals.breakdown,
        "allocations": list(allocations_to(invoice)),
        "applied": list(invoice.applied_allocations.filter(amount__gt=0).select_related("invoice")),
        "generated_at": timezone.now(),
        "currency": invoice.currency,
        "locale": document_locale(invoice.company.country or seller.seller_country),
        "terms": payment_terms_words(invoice.issue_date, invoice.due_date) if invoice.kind != Kind.CREDIT_NOTE else "",
        "how_to_pay": how_to_pay(invoice),
    }


class _Renderer(threading.local):
    """What every render shares, built once per thread (Pango's font map is not thread-safe)."""

    font_config: FontConfiguration | None = None
    stylesheet: CSS | None = None


_renderer = _Renderer()


def _url_fetcher() -> URLFetcher:
    from weasyprint.urls import URLFetcher

    # Only data: URIs (the embedded logo): a document never makes the server fetch a URL or read a file.
    # A new fetcher per render, as it keeps state between calls. Its HTTPS handler would load the system's
    # CA store (~20 ms) unless handed a TLS context; https is refused anyway, so it gets a bare one.
    return URLFetcher(allowed_protocols={"data"}, ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


def render_html_to_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    """A document template's HTML as a PDF, styled by ``documents/base.css`` (``pdf_variant="pdf/a-3b"``: PDF/A-3)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _url_fetcher()
    if _renderer.font_config is None or _renderer.stylesheet is None:
        _renderer.font_config = FontConfiguration()
        _renderer.stylesheet = CSS(string=render_to_string("documents/base.css"), font_config=_renderer.font_config, url_fetcher=fetcher)
    # A render keeps some 40,000 objects alive while it runs (``core.collector``: why the collector waits; peak
    # memory +3 % on a 49-page document).
    with cyclic_gc_paused():
        result = HTML(string=html, url_fetcher=fetcher).write_pdf(
            stylesheets=[_renderer.stylesheet], font_config=_renderer.font_config, pdf_variant=pdf_variant
        )
    assert result is not None
    return bytes(result)


def invoice_pdf(invoice: Invoice) -> RenderedPdf:
    """The PDF of an invoice, credit note or debit note; rendered once per document state."""
    filename = f"{invoice.number or f'draft-{invoice.pk}'}.pdf"
    seller = portal_settings()
    path = _cache_dir() / f"{invoice_cache_key(invoice, seller)}.pdf"
    try:
        return RenderedPdf(path.read_bytes(), filename, from_cache=True)
    except FileNotFoundError:
        pass
    content = render_html_to_pdf(render_to_string("documents/invoice.html", _invoice_context(invoice, seller)))
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
    return RenderedPdf(content, filename, from_cache=False)


def invoice_pdf_a3(invoice: Invoice) -> bytes:
    """The invoice's PDF as PDF/A-3b (the base of a Factur-X document); not cached."""
    return render_html_to_pdf(
        render_to_string("documents/invoice.html", _invoice_context(invoice, portal_settings())), pdf_variant="pdf/a-3b"
    )


def statement_pdf(*, statement: Statement, aging: Sequence[Any]) -> bytes:
    """A statement of account as a PDF (not cached: it is as of the moment it is printed).

    ``aging`` rows have a ``currency``, ``buckets`` (label and amount pairs) and a ``total``.
    """
    seller = portal_settings()
    context = {
        "statement": statement, "aging": aging, "seller": seller, "generated_at": timezone.now(),
        "currency": statement.currency, "locale": document_locale(statement.company.country or seller.seller_country),
        "remit_to": seller.payment_instruction, "portal_url": f"{settings.PORTAL_BASE_URL}{reverse('portal:invoices')}",
    }  # fmt: skip
    return render_html_to_pdf(render_to_string("documents/statement.html", context))
