from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from pypdf import PdfReader

from invoice_portal.documents import pdf as pdf_module
from invoice_portal.documents.pdf import invoice_pdf
from invoice_portal.invoices.services import credit_note_create
from invoice_portal.testing import Personas, line, make_company, make_invoice, pay

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[4] / "artifacts"


def _text(content: bytes) -> str:
    # Babel separates a trailing currency sign with a no-break space; compare with plain spaces.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


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
    assert "VAT 20 % on $325.00" in text
    assert "$390.00" in text  # total
    assert "CHK-4711" in text
    assert "Balance due" in text
    assert "$290.00" in text
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
    assert "$60.00" in _text(changed.content)


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


def _statement_pdf(company: Any, currency: str = "USD") -> bytes:
    import datetime as dt

    from django.utils import timezone

    from invoice_portal.documents.pdf import statement_pdf
    from invoice_portal.invoices.models import Invoice
    from invoice_portal.payments.statements import account_statement
    from invoice_portal.seller.selectors import aging_totals

    today = timezone.localdate()
    documents = Invoice.objects.exclude(status="draft").filter(direction="issued")
    statement = account_statement(company, currency, documents=documents, start=today - dt.timedelta(days=365), end=today)
    return statement_pdf(statement=statement, aging=aging_totals(company_id=company.pk))


def test_amounts_carry_the_currency_sign_and_the_grouping_of_the_customers_country(personas: Personas) -> None:
    invoice = make_invoice(
        company=personas.acme,
        lines=[line(description="Bulk bolts", quantity="1000", unit_price="12.5025", tax_rate="10", tax_category="S")],
    )
    text = _text(invoice_pdf(invoice).content)
    assert "$12,502.50" in text  # net and total, grouped
    assert "$12.5025" in text  # a unit price keeps its extra digits
    assert "1,000" in text  # quantity grouped
    berlin = make_company(name="Berlin GmbH", currency="EUR", country="DE")
    euro = make_invoice(company=berlin, currency="EUR", lines=[line(unit_price="1234.50", tax_rate="19", tax_category="S")])
    assert "1.234,50 €" in _text(invoice_pdf(euro).content)


def test_tax_categories_read_in_words_and_lines_carry_no_internal_tags(personas: Personas) -> None:
    invoice = make_invoice(
        company=personas.acme,
        lines=[
            line(description="Consulting", unit_price="100.00", tax_rate="10", tax_category="S"),
            line(description="Books", unit_price="20.00", tax_rate="0", tax_category="Z"),
            line(description="Shipping", kind="cost", unit_price="5.00", tax_rate="10", tax_category="S"),
        ],
    )
    text = _text(invoice_pdf(invoice).content)
    assert "VAT 10 %" in text
    assert "Zero-rated" in text
    assert "VAT S" not in text
    assert "Z 0 %" not in text
    assert "cost" not in text.lower().replace("costs", "")


def test_every_invoice_says_how_to_pay_with_the_default_instruction_the_terms_and_a_pay_now_link(personas: Personas) -> None:
    from invoice_portal.seller.services import billing_settings_update

    invoice = make_invoice(company=personas.acme)
    text = _text(invoice_pdf(invoice).content)
    assert "How to pay" in text
    assert f"/portal/pay/?invoice={invoice.pk}" in text.replace("\n", "")
    assert "Net 30" in text

    billing_settings_update(actor=personas.admin, payment_instruction="Bank: First Demo Bank\nIBAN DE02 1203 0000 0000 2020 51")
    invoice.refresh_from_db()
    rendered = invoice_pdf(invoice)
    assert not rendered.from_cache  # a new default instruction renders the document anew
    assert "IBAN DE02 1203 0000 0000 2020 51" in _text(rendered.content)

    own = make_invoice(company=personas.acme, payment_instructions="Pay by check to PO Box 7")
    own_text = _text(invoice_pdf(own).content)
    assert "Pay by check to PO Box 7" in own_text
    assert "IBAN" not in own_text

    paid = make_invoice(company=personas.acme, status="paid")
    paid_text = _text(invoice_pdf(paid).content)
    assert "/portal/pay/" not in paid_text
    assert "Paid in full" in paid_text


def test_a_canceled_invoice_shows_no_balance(personas: Personas) -> None:
    canceled = make_invoice(company=personas.acme, status="canceled")
    text = _text(invoice_pdf(canceled).content)
    assert "Balance due" not in text
    assert "nothing is due" in text
    assert "/portal/pay/" not in text


def test_the_statement_opens_with_the_amount_due_and_the_address_and_lists_every_payment_with_its_amount(personas: Personas) -> None:
    from invoice_portal.companies.models import Company
    from invoice_portal.payments.services import payment_refund
    from invoice_portal.seller.services import billing_settings_update

    Company.objects.filter(pk=personas.acme.pk).update(address_line1="1 Road Runner Way", city="Phoenix", postal_code="85001", country="US")
    personas.acme.refresh_from_db()
    billing_settings_update(actor=personas.admin, payment_instruction="Wire to IBAN DE02 1203 0000 0000 2020 51")
    first = make_invoice(company=personas.acme, amount="1500.00")
    make_invoice(company=personas.acme, amount="200.00")
    pay(company=personas.acme, invoices=[(first, "500.00")], method="card", reference="ch_1")
    refunded = pay(company=personas.acme, invoices=[(first, "40.00")], method="wire", reference="WIRE-9")
    payment_refund(actor=personas.finance, payment=refunded, amount="40.00", reason="duplicate")
    content = _statement_pdf(personas.acme)
    page_one = PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\xa0", " ")
    head = page_one.split("Opening balance")[0]
    assert "AMOUNT DUE" in head.upper()
    assert "$1,200.00" in head
    assert "1 Road Runner Way" in head
    assert "85001 Phoenix" in head
    text = _text(content)
    assert "Card payment" in text
    assert "((" not in text
    assert "(gateway)" not in text
    flat = " ".join(text.split())
    wire_row = flat[flat.index("Wire transfer payment") :].split("Closing balance")[0]
    assert "WIRE-9 $0.00" in wire_row  # refunded in full, still with its amount
    assert "Remit to" in text
    assert "IBAN DE02 1203 0000 0000 2020 51" in text


def _text_boxes_inside_the_page(content: bytes) -> list[str]:
    """Every character that lies (partly) outside its page's width, per page; [] when all fit."""
    import pypdfium2

    outside = []
    document = pypdfium2.PdfDocument(content)
    for page in document:
        width = page.get_width()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, _, right, _ = text.get_charbox(i)
            if (left < 0 or right > width) and not text.get_text_range(i, 1).isspace():
                outside.append(text.get_text_range(i, 1))
    return outside


def test_a_long_unbroken_word_wraps_inside_its_column_and_pushes_nothing_off_the_page(personas: Personas) -> None:
    word = "Unbroken" * 40
    invoice = make_invoice(
        company=personas.acme,
        notes=word,
        lines=[line(description=word, sku="SKU-" + "9" * 80, unit_price="12345.67", tax_rate="20", tax_category="S")],
    )
    content = invoice_pdf(invoice).content
    assert _text_boxes_inside_the_page(content) == []
    assert "$12,345.67" in _text(content)
    pay(company=personas.acme, invoices=[(invoice, "10.00")], reference="REF" + "X" * 120)
    assert _text_boxes_inside_the_page(_statement_pdf(personas.acme)) == []


def test_an_issued_pdf_prints_the_seller_as_it_was_at_issue_while_a_draft_prints_the_current_settings(personas: Personas) -> None:
    from invoice_portal.core.settings_store import portal_settings

    settings = portal_settings()
    settings.seller_name, settings.seller_address, settings.seller_tax_id = "Old Works GmbH", "Altstrasse 1\n10115 Berlin", "DE111111111"
    settings.save()
    issued = make_invoice(company=personas.acme)
    draft = make_invoice(company=personas.acme, status="draft")
    before = _text(invoice_pdf(issued).content)
    assert all(old in before for old in ("Old Works GmbH", "Altstrasse 1", "VAT DE111111111"))

    settings.seller_name, settings.seller_address, settings.seller_tax_id = "New Works AG", "Neuweg 9\n80331 Munich", "DE222222222"
    settings.save()
    issued.refresh_from_db()
    after = _text(invoice_pdf(issued).content)
    assert all(old in after for old in ("Old Works GmbH", "Altstrasse 1", "VAT DE111111111"))
    assert not any(new in after for new in ("New Works", "Neuweg", "DE222222222"))
    current = _text(invoice_pdf(draft).content)
    assert all(new in current for new in ("New Works AG", "Neuweg 9", "VAT DE222222222"))
    assert "Old Works" not in current
