"""A customer's statement of account as PDF and CSV, for the period and currency the customer page shows."""

from __future__ import annotations

import csv
import io

from django.urls import reverse
from pypdf import PdfReader

from invoice_portal.core.money import as_str, format_money
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_invoice, make_user

PERIOD = "?start=2000-01-01&end=2100-01-01"


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_statement_pdf_names_the_customer_the_period_and_the_closing_balance(world: World, client) -> None:
    client.force_login(world.p.finance)
    statement = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk]) + PERIOD).context["statement"]
    response = client.get(reverse("seller:customer_statement_pdf", args=[world.p.acme.pk]) + PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="statement-ACME-USD-20000101-21000101.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Statement of account" in text
    assert "ACME Corp" in text
    assert "2000-01-01 – 2100-01-01" in text
    assert "Closing balance" in text
    assert format_money(statement.closing, "USD") in text
    assert statement.closing > 0
    assert str(world.paid.number) in text
    assert "CHK-777" in text


def test_the_statement_csv_runs_from_opening_to_closing_balance(world: World, client) -> None:
    client.force_login(world.p.finance)
    statement = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk]) + PERIOD).context["statement"]
    response = client.get(reverse("seller:customer_statement_csv", args=[world.p.acme.pk]) + PERIOD)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Description", "Reference"]
    assert rows[1][:2] == ["2000-01-01", "Opening balance"]
    assert rows[-1][:2] == ["2100-01-01", "Closing balance"]
    assert rows[-1][5] == as_str(statement.closing, "USD")
    assert len(rows) == len(statement.lines) + 3


def test_the_downloads_follow_the_currency_and_the_page_links_them(world: World, client) -> None:
    euro = make_invoice(company=world.p.acme, currency="EUR", amount="70.00")
    client.force_login(world.p.finance)
    page = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk]) + PERIOD + "&currency=EUR").content.decode()
    pdf_url = reverse("seller:customer_statement_pdf", args=[world.p.acme.pk]) + "?start=2000-01-01&amp;end=2100-01-01&amp;currency=EUR"
    assert pdf_url in page
    assert "Download PDF" in page
    text = pdf_text(client.get(pdf_url.replace("&amp;", "&")).content)
    assert str(euro.number) in text
    assert str(world.open.number) not in text
    assert format_money(euro.balance, "EUR") in text


def test_a_currency_the_customer_never_used_falls_back_to_its_own(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:customer_statement_csv", args=[world.p.acme.pk]) + PERIOD + "&currency=JPY")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {row[6] for row in rows[1:]} == {"USD"}


def test_the_statement_needs_invoices_view_as_well_as_customers_view(world: World, client) -> None:
    client.force_login(make_user(role="ap_clerk"))  # sees customers, not their invoices
    assert client.get(reverse("seller:customer_statement_pdf", args=[world.p.acme.pk])).status_code == 403
    assert client.get(reverse("seller:customer_statement_csv", args=[world.p.acme.pk])).status_code == 403
    client.force_login(world.p.sales)
    assert client.get(reverse("seller:customer_statement_pdf", args=[world.p.acme.pk])).status_code == 200
    assert client.get(reverse("seller:customer_statement_pdf", args=[999999])).status_code == 404
