"""PDF rendering: a two-page invoice the first time, and again from the cache."""

from __future__ import annotations

from bench.harness import emit_latency, time_calls
from invoice_portal.companies.models import Company
from invoice_portal.documents.pdf import invoice_pdf
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services import invoice_create, invoice_issue


def _two_page_invoice() -> Invoice:
    company = Company.objects.filter(external_id__startswith="EXT-").first()
    assert company is not None
    lines = [{"description": f"Spare part {i:03d}", "quantity": "2", "unit_price": "12.50", "tax_rate": "20"} for i in range(40)]
    return invoice_issue(actor=None, invoice=invoice_create(actor=None, company=company, lines=lines))


def run(runs: int = 15) -> None:
    invoices = [_two_page_invoice() for _ in range(runs + 3)]
    first = time_calls(lambda i: invoice_pdf(invoices[i]), runs, warmup=0)
    emit_latency("pdf.two_page_invoice.first_render", first[1:] or first)
    emit_latency("pdf.two_page_invoice.cached", time_calls(lambda i: invoice_pdf(invoices[i % runs]), runs * 3))
