"""Payment history of the visible scope; the own company's statement of account and aging (page, CSV, PDF)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from invoice_portal.payments.models import Payment
from invoice_portal.portal.selectors import payments_visible_to, portal_aging, portal_statement
from invoice_portal.portal.tests.conftest import Books
from invoice_portal.testing import pay

pytestmark = pytest.mark.django_db

D = Decimal


def _visible(user: Any) -> set[int]:
    return set(payments_visible_to(user).values_list("pk", flat=True))


@pytest.fixture
def payments(books: Books) -> dict[str, Payment]:
    p = books.p
    return {
        "check": books.check,  # ACME, on Alice's second invoice
        "bob": pay(company=p.acme, invoices=[(books.bob_web, "5.00")], method="wire", reference="WIRE-BOB"),
        "on_account": pay(company=p.acme, invoices=[], amount="15.00", method="cash", reference="Cash memo 12"),
        "west": pay(company=p.acme_west, invoices=[(books.west_erp, "7.00")], reference="CHK-WEST"),
        "parent_for_west": pay(company=p.acme, invoices=[(books.west, "9.00")], reference="CHK-PARENT"),
        "globex": pay(company=p.globex, invoices=[(books.globex, "1.00")], currency="EUR" if books.globex.currency == "EUR" else "USD"),
    }


def _ids(payments: dict[str, Payment], *names: str) -> set[int]:
    return {payments[n].pk for n in names}


def test_alice_sees_only_the_payments_on_her_own_invoices(books: Books, payments: dict[str, Payment]) -> None:
    assert _visible(books.p.alice) == _ids(payments, "check")


def test_bob_sees_acmes_payments_including_credit_on_account(books: Books, payments: dict[str, Payment]) -> None:
    paid_acme_paid = Payment.objects.filter(allocations__invoice=books.acme_paid).values_list("pk", flat=True)
    assert _visible(books.p.bob) == _ids(payments, "check", "bob", "on_account", "parent_for_west") | set(paid_acme_paid)


def test_carol_sees_the_subsidiarys_payments_and_walt_only_his_own_invoices(books: Books, payments: dict[str, Payment]) -> None:
    carol = _visible(books.p.carol)
    assert _ids(payments, "check", "bob", "west", "parent_for_west") <= carol
    assert payments["globex"].pk not in carol
    assert _visible(books.p.walt) == _ids(payments, "parent_for_west")


def test_charlie_sees_no_acme_payment(books: Books, payments: dict[str, Payment], login: Any) -> None:
    assert _visible(books.p.charlie) == _ids(payments, "globex")
    html = login(books.p.charlie).get("/portal/payments/").content.decode()
    for ref in ("CHK-777", "WIRE-BOB", "Cash memo 12", "CHK-WEST", "CHK-PARENT"):
        assert ref not in html


def test_the_payments_page_shows_method_memo_and_what_each_payment_paid(books: Books, payments: dict[str, Payment], login: Any) -> None:
    html = login(books.p.bob).get("/portal/payments/").content.decode()
    assert "CHK-777" in html
    assert "Cash memo 12" in html
    assert "Wire transfer" in html
    assert f'href="/portal/invoices/{books.alice_second.pk}/"' in html
    assert "Credit left" in html
    assert "$15.00" in html
    filtered = login(books.p.bob).get("/portal/payments/?method=cash").content.decode()
    assert "Cash memo 12" in filtered
    assert "CHK-777" not in filtered


def test_the_statement_runs_a_balance_over_documents_and_payments(books: Books) -> None:
    today = timezone.localdate()
    statement = portal_statement(books.p.bob, "USD", start=today - dt.timedelta(days=365), end=today)
    assert statement.opening == D("0.00")
    debits = sum((line.debit for line in statement.lines), D(0))
    credits = sum((line.credit for line in statement.lines), D(0))
    # Invoices 50+50+50+80+40, the 10.00 credit note and the payments 20.00 (check) and 40.00 (paid in full).
    assert debits == D("270.00")
    assert credits == D("10.00") + D("20.00") + D("40.00")
    assert statement.closing == debits - credits
    assert statement.closing == sum((inv.balance for inv in (books.alice_web, books.alice_second, books.bob_web, books.acme_erp)), D(0))
    assert statement.lines[-1].balance == statement.closing


def test_the_opening_balance_carries_what_came_before_the_period(books: Books) -> None:
    today = timezone.localdate()
    statement = portal_statement(books.p.bob, "USD", start=today - dt.timedelta(days=30), end=today)
    assert statement.opening == D("80.00")  # the ERP invoice of 75 days ago (its credit note came today)
    assert all(line.date >= today - dt.timedelta(days=30) for line in statement.lines)


def test_aging_puts_the_overdue_invoice_in_its_bucket(books: Books) -> None:
    [aging] = portal_aging(books.p.bob)
    buckets = dict(aging.buckets)
    assert buckets["31–60 days"] == D("70.00")
    assert buckets["Current"] == D("130.00")
    assert aging.overdue == D("70.00")


def test_the_statement_page_csv_and_pdf(books: Books, login: Any) -> None:
    client = login(books.p.bob)
    page = client.get("/portal/statement/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Opening balance" in html
    assert "Closing balance" in html
    assert "31–60 days" in html
    response = client.get("/portal/statement/statement.csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Date", "Description", "Reference", "Debit", "Credit", "Balance", "Currency"]
    assert rows[1][1] == "Opening balance"
    assert rows[-1][1] == "Closing balance"
    assert rows[-1][5] == "200.00"
    assert any(row[2] == "CHK-777" for row in rows)
    pdf = client.get("/portal/statement/statement.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_statement_is_only_ever_of_the_own_company(books: Books, login: Any) -> None:
    html = login(books.p.carol).get("/portal/statement/").content.decode()
    assert books.west.number not in html
    assert books.alice_web.number in html


def test_a_period_that_ends_before_it_starts_is_an_error(books: Books, login: Any) -> None:
    html = login(books.p.bob).get("/portal/statement/?start=2026-05-01&end=2026-04-01").content.decode()
    assert "ends on or after its first day" in html


def test_the_closing_balance_is_what_the_company_owes_less_its_credit(books: Books, payments: dict[str, Payment]) -> None:
    from invoice_portal.payments.selectors import company_position

    today = timezone.localdate()
    for user in (books.p.bob, books.p.carol):
        statement = portal_statement(user, "USD", start=today - dt.timedelta(days=365), end=today)
        position = company_position(books.p.acme.pk, "USD")
        assert statement.closing == position.open_balance - position.credit


def test_a_parent_paying_for_its_subsidiary_shows_on_the_subsidiarys_statement(books: Books, payments: dict[str, Payment]) -> None:
    from invoice_portal.payments.selectors import company_position
    from invoice_portal.testing import make_user

    west_ap = make_user(email="ap@acmewest.test", role="accounts_payable", company=books.p.acme_west)
    today = timezone.localdate()
    statement = portal_statement(west_ap, "USD", start=today - dt.timedelta(days=365), end=today)
    line = next(line for line in statement.lines if " payment by ACME Corp for " in line.description)
    assert (line.credit, line.reference) == (D("9.00"), "CHK-PARENT")
    position = company_position(books.p.acme_west.pk, "USD")
    assert statement.closing == position.open_balance - position.credit
    acme = portal_statement(books.p.bob, "USD", start=today - dt.timedelta(days=365), end=today)
    parent = next(line for line in acme.lines if line.payment_id == payments["parent_for_west"].pk)
    assert parent.credit == D("0.00")


def test_the_sellers_statement_of_a_subsidiary_counts_what_its_parent_paid_as_the_portals_does(
    books: Books, payments: dict[str, Payment]
) -> None:
    from invoice_portal.payments.selectors import company_position
    from invoice_portal.seller.selectors import customer_statement
    from invoice_portal.testing import make_user

    west_ap = make_user(email="ap@acmewest.test", role="accounts_payable", company=books.p.acme_west)
    today, start = timezone.localdate(), timezone.localdate() - dt.timedelta(days=365)
    seller_view = customer_statement(books.p.acme_west, "USD", start=start, end=today)
    assert seller_view.lines == portal_statement(west_ap, "USD", start=start, end=today).lines
    position = company_position(books.p.acme_west.pk, "USD")
    assert seller_view.closing == position.open_balance - position.credit


def test_a_subsidiary_buyer_sees_only_the_cent_of_the_parent_payment_that_paid_her_invoice(books: Books, login: Any) -> None:
    p = books.p
    pay(company=p.acme, invoices=[(books.west, "0.01"), (books.acme_erp, "20.00")], amount="777.01", reference="PARENT-WIRE-4711")

    html = login(p.walt).get("/portal/payments/").content.decode()

    assert "$0.01" in html
    assert "777" not in html
    assert "$20.00" not in html
    assert "PARENT-WIRE-4711" not in html
    assert "on invoices of other companies" not in html
    whole = login(p.bob).get("/portal/payments/").content.decode()
    assert "$777.01" in whole
    assert "PARENT-WIRE-4711" in whole


def test_the_invoice_page_shows_a_subsidiary_buyer_what_was_applied_but_not_the_parent_s_reference(books: Books, login: Any) -> None:
    p = books.p
    pay(company=p.acme, invoices=[(books.west, "0.01"), (books.acme_erp, "20.00")], amount="777.01", reference="PARENT-WIRE-4711")

    html = login(p.walt).get(f"/portal/invoices/{books.west.pk}/").content.decode()

    assert "$0.01" in html
    assert "PARENT-WIRE-4711" not in html
    assert "PARENT-WIRE-4711" in login(p.carol).get(f"/portal/invoices/{books.west.pk}/").content.decode()


def test_a_subsidiary_buyer_sorts_and_filters_payments_by_what_she_sees_of_them_not_the_whole_amount(books: Books, login: Any) -> None:
    p = books.p
    pay(company=p.acme, invoices=[(books.west, "0.01"), (books.acme_erp, "20.00")], amount="777.01", reference="PARENT-WIRE-4711")
    pay(company=p.acme_west, invoices=[(books.west, "7.00")], reference="CHK-WEST")
    walt = login(p.walt)

    largest_first = walt.get("/portal/payments/?sort=-amount").content.decode()
    smallest_first = walt.get("/portal/payments/?sort=amount").content.decode()
    above_100 = walt.get("/portal/payments/?amount_min=100").content.decode()
    up_to_1 = walt.get("/portal/payments/?amount_max=1").content.decode()

    assert largest_first.index("$7.00") < largest_first.index("$0.01")
    assert smallest_first.index("$0.01") < smallest_first.index("$7.00")
    assert "No payments match these filters." in above_100
    assert "$0.01" in up_to_1
    assert "$7.00" not in up_to_1
    assert "777" not in largest_first + above_100


def test_an_amount_bound_that_is_not_a_number_is_a_form_error_and_filters_nothing(books: Books, login: Any) -> None:
    response = login(books.p.bob).get("/portal/payments/?amount_min=ten")

    assert response.status_code == 200
    assert "Enter an amount such as 250 or 250.00." in response.content.decode()
    assert "CHK-777" in response.content.decode()
