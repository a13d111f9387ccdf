"""The invoice list (tabs, filters, sort, totals, CSV) and the invoice view (lines, payments, disputes, promises, PDF)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.invoices.models import Dispute, DisputeStatus
from invoice_portal.invoices.selectors import invoices_visible_to, open_disputes
from invoice_portal.payments.selectors import company_position
from invoice_portal.portal.selectors import open_position
from invoice_portal.portal.tests.conftest import Books, ids
from invoice_portal.remittances.models import PromiseStatus, PromiseToPay
from invoice_portal.remittances.selectors import promise_views
from invoice_portal.testing import allow_many_invoices_per_order, make_invoice, make_order, pay

pytestmark = pytest.mark.django_db


def _rows(response: Any) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


# --- The list -------------------------------------------------------------------------------------


def test_the_web_tab_holds_invoices_of_store_orders_and_the_erp_tab_the_erps(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    assert ids(client.get("/portal/invoices/?tab=web")) == {books.alice_web.pk, books.alice_second.pk, books.bob_web.pk}
    assert ids(client.get("/portal/invoices/?tab=erp")) == {books.acme_erp.pk, books.acme_paid.pk}
    assert books.acme_credit.pk in ids(client.get("/portal/invoices/?tab=all"))


def test_an_erp_invoice_for_a_web_order_shows_in_the_erp_tab_only(books: Books, login: Any) -> None:
    """The erpCommerce case (seed 001): the ERP invoices a store order itself (Sage invoices of a web order)."""
    order = make_order(company=books.p.acme, source="bigcommerce", external_id="BC-EC-1", placed_by=books.p.bob)
    erp_for_web = make_invoice(company=books.p.acme, order=order, source="erp", external_id="SAGE-9001")
    second = make_order(company=books.p.acme, source="bigcommerce", external_id="BC-EC-2", placed_by=books.p.bob)
    imported_for_web = make_invoice(company=books.p.acme, order=second, source="csv", external_id="SAGE-9002")
    client = login(books.p.bob)
    web, erp = ids(client.get("/portal/invoices/?tab=web")), ids(client.get("/portal/invoices/?tab=erp"))
    assert erp_for_web.pk in erp
    assert imported_for_web.pk in erp
    assert erp_for_web.pk not in web
    assert imported_for_web.pk not in web
    assert web.isdisjoint(erp)
    assert {erp_for_web.pk, imported_for_web.pk} <= ids(client.get("/portal/invoices/?tab=all"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=partially_paid", {"alice_second", "acme_erp"}),
        ("status=paid", {"acme_paid", "acme_credit"}),
        ("number={alice_web_number}", {"alice_web"}),
        ("order=BC-200", {"bob_web"}),
        ("po_number=7781", {"acme_erp"}),
        ("po_number=PO-ALICE", {"alice_web"}),
        ("overdue=yes", {"acme_erp"}),
        ("disputed=no&tab=web", {"alice_web", "alice_second", "bob_web"}),
        ("issued_to={long_ago}", {"acme_erp"}),
        ("due_from={today}&tab=erp", {"acme_paid"}),
    ],
)
def test_filters_narrow_the_list(books: Books, login: Any, query: str, expected: set[str]) -> None:
    today = timezone.localdate()
    query = query.format(alice_web_number=books.alice_web.number, long_ago=today - dt.timedelta(days=60), today=today)
    seen = ids(login(books.p.bob).get(f"/portal/invoices/?{query}"))
    assert seen == {getattr(books, name).pk for name in expected}


def test_a_malformed_filter_is_shown_as_an_error_and_filters_nothing(books: Books, login: Any) -> None:
    response = login(books.p.bob).get("/portal/invoices/?issued_from=not-a-date&status=bogus")
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert len(ids(response)) == 6


def test_sorting_by_balance_orders_the_rows(books: Books, login: Any) -> None:
    html = login(books.p.bob).get("/portal/invoices/?sort=-balance&tab=web").content.decode()
    order = [html.index(f"/portal/invoices/{inv.pk}/") for inv in (books.alice_web, books.bob_web, books.alice_second)]
    assert books.alice_web.balance == books.bob_web.balance == Decimal("50.00")
    assert order[2] == max(order)  # 30.00 left on Alice's second invoice comes last


def test_pages_hold_twenty_five_invoices(books: Books, login: Any) -> None:
    for _ in range(30):  # one invoice per order (the default setting)
        make_invoice(company=books.p.acme, order=make_order(company=books.p.acme, placed_by=books.p.alice), amount="5.00")
    client = login(books.p.alice)
    first, second = client.get("/portal/invoices/"), client.get("/portal/invoices/?page=2")
    assert len(ids(first)) == 25
    assert len(ids(second)) == 32 - 25
    assert not ids(first) & ids(second)


def test_the_totals_at_the_top_are_the_companys_position_for_accounts_payable(books: Books) -> None:
    [row] = open_position(invoices_visible_to(books.p.bob, "portal.view"), books.p.bob, with_credit=True)
    position = company_position(books.p.acme.pk, "USD")
    assert (row.open_balance, row.overdue_balance, row.credit) == (position.open_balance, position.overdue_balance, position.credit)
    assert row.open_balance == Decimal("50.00") + Decimal("30.00") + Decimal("50.00") + Decimal("70.00")
    assert row.overdue_balance == Decimal("70.00")


def test_a_buyer_sees_the_totals_of_her_own_invoices_not_the_companys(books: Books, login: Any) -> None:
    [row] = open_position(invoices_visible_to(books.p.alice, "portal.view"), books.p.alice)
    assert (row.open_balance, row.overdue_balance, row.open_count) == (Decimal("80.00"), Decimal("0.00"), 2)
    html = login(books.p.alice).get("/portal/invoices/").content.decode()
    assert "$80.00" in html
    assert "$200.00" not in html


def test_checkboxes_are_offered_only_on_invoices_that_can_be_paid(books: Books, login: Any) -> None:
    html = login(books.p.bob).get("/portal/invoices/").content.decode()
    for invoice in (books.alice_web, books.alice_second, books.acme_erp):
        assert f'name="invoice" value="{invoice.pk}" form="pay-form"' in html
    for invoice in (books.acme_paid, books.acme_credit):
        assert f'value="{invoice.pk}" form="pay-form"' not in html
    assert 'action="/portal/pay/"' in html


def test_an_htmx_filter_request_gets_only_the_results(books: Books, login: Any) -> None:
    response = login(books.p.bob).get("/portal/invoices/?tab=erp", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert 'aria-label="Invoices"' in html


# --- CSV export -----------------------------------------------------------------------------------


def test_the_export_holds_exactly_the_filtered_rows_in_the_lists_order(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    rows = _rows(client.get("/portal/invoices/export.csv?tab=web&sort=number"))
    assert [r["Number"] for r in rows] == sorted(inv.number or "" for inv in (books.alice_web, books.alice_second, books.bob_web))
    row = next(r for r in rows if r["Number"] == books.alice_second.number)
    assert (row["Total"], row["Paid and credited"], row["Balance"], row["Order"]) == ("50.00", "20.00", "30.00", "BC-101")
    assert [r["Number"] for r in _rows(client.get("/portal/invoices/export.csv?overdue=yes"))] == [books.acme_erp.number]


def test_the_export_ignores_the_page_number(books: Books, login: Any) -> None:
    assert len(_rows(login(books.p.bob).get("/portal/invoices/export.csv?page=7"))) == 6


def test_the_export_neutralizes_cells_a_spreadsheet_would_run(books: Books, login: Any) -> None:
    allow_many_invoices_per_order()
    order = make_order(company=books.p.acme, placed_by=books.p.alice, external_id="=HYPERLINK(1)")
    make_invoice(company=books.p.acme, order=order, po_number="+cmd|' /C calc'!A0")
    make_invoice(company=books.p.acme, order=order, po_number="@SUM(1)")
    make_invoice(company=books.p.acme, order=order, po_number="-2+3")
    rows = _rows(login(books.p.alice).get("/portal/invoices/export.csv?order==HYPERLINK(1)"))
    assert {r["Order"] for r in rows} == {"'=HYPERLINK(1)"}
    assert {r["PO number"] for r in rows} == {"'+cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3"}


def test_alice_exports_only_her_own_orders_invoices(books: Books, login: Any) -> None:
    rows = _rows(login(books.p.alice).get("/portal/invoices/export.csv"))
    assert {r["Number"] for r in rows} == {books.alice_web.number, books.alice_second.number}


# --- The invoice view -----------------------------------------------------------------------------


def test_the_invoice_view_shows_lines_with_their_status_totals_and_payment_history(books: Books, login: Any) -> None:
    html = login(books.p.alice).get(f"/portal/invoices/{books.alice_second.pk}/").content.decode()
    assert "Partially paid" in html
    assert "Product 1" in html
    assert "Product 2" in html
    assert "CHK-777" in html  # the check number, as the memo of the payment
    assert "Check" in html
    assert "$20.00" in html
    assert "$30.00" in html
    assert f'href="/portal/invoices/{books.alice_second.pk}/pdf"' in html
    assert f'href="/portal/invoices/{books.alice_second.pk}/ubl"' in html


def test_credit_applied_and_a_rejected_dispute_with_the_sellers_comment_are_shown(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    erp = client.get(f"/portal/invoices/{books.acme_erp.pk}/").content.decode()
    assert "Credit applied" in erp
    assert books.acme_credit.number in erp
    assert "$10.00" in erp
    web = client.get(f"/portal/invoices/{books.bob_web.pk}/").content.decode()
    assert "Arrived broken" in web
    assert "Rejected" in web
    assert "Photos show it intact" in web


def test_an_online_payment_shows_in_the_history_with_its_method(books: Books, login: Any) -> None:
    pay(company=books.p.acme, invoices=[(books.alice_web, "12.50")], method="card", reference="Online payment, checkout #9")
    html = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    assert "Card (gateway)" in html
    assert "Online payment, checkout #9" in html
    assert "$12.50" in html


def test_the_pdf_downloads_for_a_visible_invoice(books: Books, login: Any) -> None:
    response = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert books.alice_web.number in response["Content-Disposition"]


def test_the_e_invoice_downloads_as_ubl_for_a_visible_invoice(books: Books, login: Any) -> None:
    response = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/ubl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{books.alice_web.number}.xml"'
    assert response["Cache-Control"] == "private, no-store"
    assert b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"' in response.content
    assert f"<cbc:ID>{books.alice_web.number}</cbc:ID>".encode() in response.content
    assert b"<cbc:BuyerReference>PO-ALICE-1</cbc:BuyerReference>" in response.content


def test_the_e_invoice_downloads_as_a_valid_cii_beside_the_ubl(books: Books, login: Any) -> None:
    from invoice_portal.documents.einvoice.validation import fatal, validate_cii

    html = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    assert f'href="/portal/invoices/{books.alice_web.pk}/cii"' in html
    response = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/cii")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{books.alice_web.number}.cii.xml"'
    assert response["Cache-Control"] == "private, no-store"
    assert b"<rsm:CrossIndustryInvoice" in response.content
    assert f"<ram:ID>{books.alice_web.number}</ram:ID>".encode() in response.content
    assert fatal(validate_cii(response.content)) == []


def test_a_credit_note_downloads_as_a_ubl_credit_note(books: Books, login: Any) -> None:
    response = login(books.p.bob).get(f"/portal/invoices/{books.acme_credit.pk}/ubl")
    assert response.status_code == 200
    assert b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in response.content


# --- Disputes -------------------------------------------------------------------------------------


def _dispute(client: Any, invoice: Any, line: Any, **data: str) -> Any:
    prefix = f"line{line.pk}"
    return client.post(
        f"/portal/invoices/{invoice.pk}/dispute",
        {f"{prefix}-line": line.pk, f"{prefix}-reason": data.get("reason", "price"), f"{prefix}-text": data.get("text", "Quoted 20.00")},
    )


def test_disputing_a_line_opens_a_dispute_that_finance_sees(books: Books, login: Any) -> None:
    line = books.alice_web.lines.order_by("line_no").first()
    response = _dispute(login(books.p.alice), books.alice_web, line)
    assert response.status_code == 303
    assert response["Location"] == f"/portal/invoices/{books.alice_web.pk}/#disputes"
    dispute = open_disputes().get(invoice=books.alice_web)
    assert (dispute.line, dispute.reason, dispute.text, dispute.raised_by) == (line, "price", "Quoted 20.00", books.p.alice)
    assert AuditEvent.objects.filter(action="dispute.open", object_id=str(books.alice_web.pk), actor=books.p.alice).exists()
    seller_page = login(books.p.finance).get(f"/seller/invoices/{books.alice_web.pk}/").content.decode()
    assert "Quoted 20.00" in seller_page
    html = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    assert "Disputed" in html
    assert "Quoted 20.00" in html


def test_a_dispute_without_text_is_a_form_error_and_nothing_is_written(books: Books, login: Any) -> None:
    line = books.alice_web.lines.first()
    response = _dispute(login(books.p.alice), books.alice_web, line, text="   ")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode() or "say what is wrong" in response.content.decode()
    assert not Dispute.objects.filter(invoice=books.alice_web).exists()


def test_a_line_can_only_be_disputed_once_while_open(books: Books, login: Any) -> None:
    line = books.alice_web.lines.first()
    client = login(books.p.alice)
    assert _dispute(client, books.alice_web, line).status_code == 303
    again = _dispute(client, books.alice_web, line)
    assert again.status_code == 200
    assert "already disputed" in again.content.decode()
    assert Dispute.objects.filter(line=line, status=DisputeStatus.OPEN).count() == 1


def test_a_line_of_another_invoice_cannot_be_disputed_through_this_one(books: Books, login: Any) -> None:
    other_line = books.bob_web.lines.first()
    response = _dispute(login(books.p.bob), books.acme_erp, other_line)
    assert response.status_code == 200
    assert "not on this invoice" in response.content.decode()
    assert not Dispute.objects.filter(line=other_line, status=DisputeStatus.OPEN).exists()


# --- Promises to pay ------------------------------------------------------------------------------


def _promise(client: Any, invoice: Any, date: dt.date, amount: str) -> Any:
    return client.post(f"/portal/invoices/{invoice.pk}/promise", {"promise-date": date.isoformat(), "promise-amount": amount})


def test_a_promise_to_pay_is_recorded_audited_and_shown(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    day = timezone.localdate() + dt.timedelta(days=10)
    response = _promise(client, books.acme_erp, day, "70.00")
    assert response.status_code == 303
    promise = PromiseToPay.objects.get(invoice=books.acme_erp)
    assert (promise.date, promise.amount, promise.currency, promise.user) == (day, Decimal("70.00"), "USD", books.p.bob)
    assert AuditEvent.objects.filter(action="promise.create", object_id=str(books.acme_erp.pk)).exists()
    html = client.get(f"/portal/invoices/{books.acme_erp.pk}/").content.decode()
    assert day.isoformat() in html
    assert "Pending" in html


@pytest.mark.parametrize(
    ("days", "amount", "message"),
    [(0, "70.01", "more than the 70.00 USD still due"), (0, "0.001", "more than 2 decimal places"), (0, "0", "at least 0.01 USD"),
     (-1, "10.00", "today or a later day"), (400, "10.00", "within the next year"), (0, "abc", "is not a number")],
)  # fmt: skip
def test_a_wrong_promise_is_a_form_error_and_nothing_is_written(books: Books, login: Any, days: int, amount: str, message: str) -> None:
    response = _promise(login(books.p.bob), books.acme_erp, timezone.localdate() + dt.timedelta(days=days), amount)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PromiseToPay.objects.exists()


def test_a_promise_is_kept_when_the_money_comes_by_its_date_and_broken_otherwise(books: Books) -> None:
    from invoice_portal.remittances.services import promise_to_pay_create

    today = timezone.localdate()
    kept = promise_to_pay_create(actor=books.p.bob, invoice=books.acme_erp, date=today, amount="30.00")
    broken = promise_to_pay_create(actor=books.p.bob, invoice=books.alice_web, date=today, amount="50.00")
    pay(company=books.p.acme, invoices=[(books.acme_erp, "30.00")])
    assert promise_views(books.acme_erp)[0].status == PromiseStatus.KEPT
    assert promise_views(books.alice_web)[0].status == PromiseStatus.PENDING
    assert promise_views(books.alice_web, today=today + dt.timedelta(days=1))[0].status == PromiseStatus.BROKEN
    assert kept.pk
    assert broken.pk


def test_a_paid_invoice_takes_no_promise(books: Books, login: Any) -> None:
    html = login(books.p.bob).get(f"/portal/invoices/{books.acme_paid.pk}/").content.decode()
    assert "Promise to pay</button>" not in html
    response = _promise(login(books.p.bob), books.acme_paid, timezone.localdate(), "1.00")
    assert "nothing is due on it" in response.content.decode()


def test_the_download_gives_the_companys_preferred_format_and_factur_x_has_its_cii(books: Books, login: Any) -> None:
    import facturx

    from invoice_portal.companies.models import Company
    from invoice_portal.documents.einvoice.validation import fatal, validate_cii

    client = login(books.p.alice)
    html = client.get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    assert f"/portal/invoices/{books.alice_web.pk}/download" not in html  # PDF only: the PDF button is the download
    Company.objects.filter(pk=books.p.acme.pk).update(einvoice_format="facturx")
    html = client.get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    assert f'href="/portal/invoices/{books.alice_web.pk}/download"' in html
    assert "Factur-X / ZUGFeRD (PDF with CII)" in html
    response = client.get(f"/portal/invoices/{books.alice_web.pk}/download")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{books.alice_web.number}.facturx.pdf"'
    _, xml = facturx.get_xml_from_pdf(response.content, check_xsd=True)
    assert fatal(validate_cii(xml)) == []
    # XRechnung needs a seller contact (and the customer's postal code and city), not set here: the reason, not a file.
    refused = client.get(f"/portal/invoices/{books.alice_web.pk}/xrechnung")
    assert refused.status_code == 422
    assert "has no XRechnung" in refused.content.decode()
    assert "BR-DE-" in refused.content.decode()


def test_the_buyer_reads_one_status_per_invoice_in_the_words_of_the_settings(books: Books, login: Any) -> None:
    """Not the lines' summary ("New") beside the document's status ("Open"): one status, as the Admin words it."""
    html = login(books.p.alice).get(f"/portal/invoices/{books.alice_web.pk}/").content.decode()
    heading = html[html.index("<h1>") : html.index("</h1>")]

    assert heading.count('class="badge') == 1
    assert "Unpaid" in heading
    assert "Open" not in html.replace("Open invoice details", "")
