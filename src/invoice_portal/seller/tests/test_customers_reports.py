"""Customers (balances, statement, aging) and reports (aging buckets, DSO, monthly flows, disputes, CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from invoice_portal.seller import selectors
from invoice_portal.seller.selectors import CustomerFilters
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_company, make_invoice, pay


def test_aging_buckets_split_by_days_past_due(personas) -> None:
    today = dt.date(2026, 6, 30)
    company = make_company(terms=0)
    for days_ago, amount in (
        (0, "1.00"),
        (1, "2.00"),
        (30, "4.00"),
        (31, "8.00"),
        (60, "16.00"),
        (61, "32.00"),
        (90, "64.00"),
        (91, "128.00"),
    ):
        make_invoice(company=company, amount=amount, issue_date=today - dt.timedelta(days=days_ago))
    make_invoice(company=company, status="paid", amount="999.00", issue_date=today - dt.timedelta(days=200))
    make_invoice(company=company, status="canceled", amount="999.00", issue_date=today - dt.timedelta(days=200))
    (b,) = selectors.aging_totals(company_id=company.pk, today=today)
    assert (b.current, b.d1_30, b.d31_60, b.d61_90, b.d90_plus) == tuple(Decimal(x) for x in ("1.00", "6.00", "24.00", "96.00", "128.00"))
    assert b.total == Decimal("255.00")
    assert b.overdue == Decimal("254.00")


def test_aging_counts_balances_not_totals_and_keeps_currencies_apart(personas) -> None:
    today = timezone.localdate()
    company = make_company(terms=0)
    half = make_invoice(company=company, status="partially_paid", amount="100.00", issue_date=today - dt.timedelta(days=10))
    make_invoice(company=company, currency="EUR", amount="7.00", issue_date=today)
    rows = {b.currency: b for b in selectors.aging_totals(company_id=company.pk)}
    assert rows["USD"].d1_30 == half.balance == Decimal("50.00")
    assert rows["EUR"].current == Decimal("7.00")


def test_aging_by_customer_lists_the_largest_overdue_first(world: World) -> None:
    rows = selectors.aging_by_customer()
    assert rows[0].company_name == "ACME Corp"
    assert {r.company_name for r in rows} == {"ACME Corp", "Globex"}


def test_dso_is_receivables_over_net_sales_times_days(personas) -> None:
    today = dt.date(2026, 6, 30)
    company = make_company()
    make_invoice(company=company, amount="900.00", issue_date=today - dt.timedelta(days=5))
    paid = make_invoice(company=company, status="paid", amount="900.00", issue_date=today - dt.timedelta(days=10))
    make_invoice(company=company, amount="500.00", issue_date=today - dt.timedelta(days=200))  # outside the period, still owed
    (dso,) = selectors.days_sales_outstanding(days=90, today=today)
    assert dso.sales == paid.total * 2
    assert dso.receivables == Decimal("1400.00")
    assert dso.value == Decimal("70.0")  # 1400 / 1800 × 90


def test_monthly_flows_sum_invoiced_and_collected_per_month(personas) -> None:
    today = timezone.localdate()
    company = make_company()
    invoice = make_invoice(company=company, amount="100.00", issue_date=today)
    pay(company=company, invoices=[(invoice, "60.00")])
    flows = selectors.monthly_flows(months=3)
    months = flows["USD"]
    assert len(months) == 3
    assert months[-1].month == today.replace(day=1)
    assert months[-1].invoiced == Decimal("100.00")
    assert months[-1].collected == Decimal("60.00")
    assert months[0].invoiced == 0


def test_customer_list_shows_balance_overdue_and_credit(world: World, client) -> None:
    client.force_login(world.p.sales)
    page = client.get("/seller/customers/").context["page"]
    acme = next(c for c in page.object_list if c.pk == world.p.acme.pk)
    expected = world.open.balance + world.overdue.balance + world.partial.balance + world.from_order.balance
    assert acme.open_balance == expected
    assert acme.overdue_balance == world.overdue.balance
    assert acme.unallocated_payments == Decimal("20.00")


def test_customer_list_filters_and_sorts(world: World) -> None:
    overdue_only = list(selectors.customer_list(CustomerFilters(overdue=True)))
    assert [c.pk for c in overdue_only] == [world.p.acme.pk]
    make_invoice(company=world.p.acme_west, amount="900.00")
    by_balance = list(selectors.customer_list(CustomerFilters(with_balance=True, sort="-balance")))
    assert next(c.pk for c in by_balance) == world.p.acme_west.pk
    assert [c.open_balance for c in by_balance] == sorted((c.open_balance for c in by_balance), reverse=True)  # type: ignore[attr-defined]
    assert {c.pk for c in by_balance} == {world.p.acme.pk, world.p.acme_west.pk, world.p.globex.pk}
    assert [c.pk for c in selectors.customer_list(CustomerFilters(q="acme-w"))] == [world.p.acme_west.pk]


def test_the_statement_closes_at_what_is_owed_less_credit(world: World, client) -> None:
    client.force_login(world.p.finance)
    response = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk]) + "?start=2000-01-01&end=2100-01-01")
    statement = response.context["statement"]
    (position,) = response.context["positions"]
    assert statement.opening == 0
    assert statement.closing == position.open_balance - position.credit
    html = response.content.decode()
    assert "Statement of account" in html
    assert world.paid.number in html
    assert "CHK-777" in html


def test_an_ap_clerk_sees_the_customer_but_not_its_money(world: World, client) -> None:
    from invoice_portal.testing import make_user

    client.force_login(make_user(role="ap_clerk"))
    html = client.get(reverse("seller:customer_detail", args=[world.p.acme.pk])).content.decode()
    assert "ACME Corp" in html
    assert "Statement of account" not in html
    assert "Latest invoices" not in html


def test_reports_page_shows_each_report(world: World, client) -> None:
    client.force_login(world.p.finance)
    html = client.get("/seller/reports/").content.decode()
    for title in ("Accounts receivable aging", "Days sales outstanding", "Invoiced and collected per month", "Open disputes"):
        assert title in html
    assert "Agreed price" in html


def _csv(client, name: str) -> list[list[str]]:
    response = client.get(reverse("seller:report_export", args=[name]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_report_csv_exports(world: World, client) -> None:
    client.force_login(world.p.finance)
    aging = _csv(client, "aging")
    assert aging[0] == ["Customer", "External id", "Currency", "Current", "1–30", "31–60", "61–90", "90+", "Total"]
    acme = next(r for r in aging if r[0] == "ACME Corp")
    assert acme[5] == "50.00"  # the overdue invoice: 80 less 30 paid, 31–60 days late
    disputes = _csv(client, "disputes")
    assert len(disputes) == 2
    assert disputes[1][0] == world.open.number
    assert _csv(client, "dso")[0][0] == "Currency"
    assert len(_csv(client, "collections")) == 13


def test_the_home_charts_carry_values_an_axis_and_a_table_of_their_figures(world: World, client) -> None:
    import re

    client.force_login(world.p.finance)
    html = client.get("/seller/").content.decode()
    flow = html[html.index("Invoiced and collected per month") :]
    flow = flow[: flow.index("</figure>")]
    assert flow.count('class="chart-grid-line"') >= 3  # a value axis with grid lines
    assert re.search(r'text-anchor="end" class="chart-label">\$0<', flow)  # its zero, labelled
    assert re.search(r'class="chart-value">\$\d', flow)  # amounts printed on the columns
    month = f"{timezone.localdate():%B %Y}"
    row = re.search(rf'<th scope="row">{month}</th><td class="num">([^<]+)</td><td class="num">([^<]+)</td>', flow)
    assert row is not None  # the text alternative: the exact figures of each month
    assert row.group(1).startswith("$")
    aging = html[html.index("Receivables by age") :]
    assert "The figures as a table" in aging[: aging.index("</figure>")]
