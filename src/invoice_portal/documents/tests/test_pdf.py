from __future__ import annotations

import base64
import io
from pathlib import Path
from unittest import mock

import pytest
from pypdf import PdfReader

from invoice_portal.documents import pdf as pdf_module
from invoice_portal.documents.pdf import invoice_pdf
from invoice_portal.invoices.services import credit_note_create
from invoice_portal.testing import Personas, line, make_invoice, pay

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[4] / "artifacts"


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_invoice_pdf_shows_number_lines_tax_totals_payments_and_balance(personas: Personas) -> None:
    invoice = make_invoice(
        company=personas.acme,
        lines=[
            line(description="Hydraulic pump", quantity="2", unit_price="150.00", tax_rate="20", tax_category="S"),
            line(description="Freight", kind="cost", unit_price="25.00", tax_rate="20", tax_category="S"),
        ],
    )
    pay(company=personas.acme, invoices=[(invoice, "100.00")], reference="CHK-4711")
    invoice.refresh_from_db()
    text = _text(invoice_pdf(invoice).content)
    assert str(invoice.number) in text
    assert "Hydraulic pump" in text
    assert "Freight" in text
    assert "ACME Corp" in text
    assert "VAT S 20 % on 325.00" in text
    assert "390.00" in text  # total
    assert "CHK-4711" in text
    assert "Balance due" in text
    assert "290.00" in text
    assert "Page 1 of 1" in text


def test_credit_note_pdf_says_what_it_credits(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="80.00")
    credit = credit_note_create(actor=personas.finance, invoice=invoice, amount="30.00")
    text = _text(invoice_pdf(credit).content)
    assert "Credit note" in text
    assert str(credit.number) in text
    assert str(invoice.number) in text
    assert "Credit remaining" in text


def test_a_repeat_download_comes_from_the_cache_until_the_invoice_changes(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme)
    first = invoice_pdf(invoice)
    assert not first.from_cache
    with mock.patch.object(pdf_module, "render_html_to_pdf", side_effect=AssertionError("rendered again")):
        again = invoice_pdf(invoice)
    assert again.from_cache
    assert again.content == first.content
    pay(company=personas.acme, invoices=[(invoice, "40.00")])
    invoice.refresh_from_db()
    changed = invoice_pdf(invoice)
    assert not changed.from_cache
    assert "60.00" in _text(changed.content)


def test_a_long_invoice_paginates_with_page_numbers_and_page_one_renders_to_png(personas: Personas) -> None:
    lines = [line(description=f"Spare part {i:03d}", unit_price="12.50", tax_rate="20", tax_category="S") for i in range(60)]
    invoice = make_invoice(company=personas.acme, lines=lines)
    content = invoice_pdf(invoice).content
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    last = reader.pages[-1].extract_text()
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in last
    assert "Spare part 059" in _text(content)

    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    image = document[0].render(scale=1.5).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / "invoice-page-1.png")
    assert image.width > 800


def test_rendering_fetches_no_url_and_reads_no_file_but_embeds_data_uris() -> None:
    from urllib.request import FileHandler, HTTPHandler

    from PIL import Image

    from invoice_portal.documents.pdf import render_html_to_pdf

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")
    data_uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    html = f'<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname"><img src="{data_uri}">'
    with mock.patch.object(HTTPHandler, "http_open") as http, mock.patch.object(FileHandler, "file_open") as file:
        content = render_html_to_pdf(html)
    http.assert_not_called()
    file.assert_not_called()
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(content)).pages) == 1


def test_repeat_renders_share_the_thread_setup_and_give_the_same_bytes() -> None:
    from invoice_portal.documents.pdf import render_html_to_pdf

    html = '<p class="running">Demo</p><h1>Invoice</h1><table><tr><td class="num">12.50</td></tr></table>'
    first = render_html_to_pdf(html)
    font_config = pdf_module._renderer.font_config
    assert render_html_to_pdf(html) == first
    assert pdf_module._renderer.font_config is font_config
    assert "Page 1 of 1" in _text(first)  # base.css applies: its @page rule numbers the pages


@pytest.mark.parametrize("enabled", [True, False])
def test_a_render_leaves_the_garbage_collector_as_it_found_it_even_when_it_fails(enabled: bool) -> None:
    import gc

    from weasyprint import HTML

    from invoice_portal.documents.pdf import render_html_to_pdf

    set_collector = {True: gc.enable, False: gc.disable}
    was = gc.isenabled()
    try:
        set_collector[enabled]()
        render_html_to_pdf("<p>Hello</p>")
        assert gc.isenabled() is enabled
        with mock.patch.object(HTML, "write_pdf", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
            render_html_to_pdf("<p>Hello</p>")
        assert gc.isenabled() is enabled
    finally:
        set_collector[was]()
