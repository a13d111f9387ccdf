"""The invoice dashboard: filters, sort, pagination, htmx fragment, and the CSV export of exactly the filtered set."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list, invoices_visible_to
from invoice_portal.seller.exports import csv_safe
from invoice_portal.seller.tests.conftest import World
from invoice_portal.testing import make_company, make_invoice

URL = "/seller/invoices/"


def ids_on_page(response) -> list[int]:
    return [inv.pk for inv in response.context["page"].object_list]


def csv_rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=paid", {"paid"}),
        ("status=draft", {"draft"}),
        ("status=canceled", {"canceled"}),
        ("overdue=yes", {"overdue"}),
        ("disputed=yes", {"open"}),
        ("customer=Globex", {"globex_open"}),
        ("customer=GLOBEX", {"globex_open"}),
        ("order=BC-1001", {"from_order"}),
        ("source=order", {"from_order"}),
    ],
)
def test_dashboard_filters_narrow_the_list(world: World, client, query: str, expected: set[str]) -> None:
    client.force_login(world.p.sales)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert set(ids_on_page(response)) == {getattr(world, name).pk for name in expected}


def test_number_prefix_kind_and_date_filters(world: World, client) -> None:
    client.force_login(world.p.sales)
    number = world.paid.number
    assert ids_on_page(client.get(f"{URL}?number={number}")) == [world.paid.pk]
    assert ids_on_page(client.get(f"{URL}?kind=credit_note")) == []
    today = timezone.localdate()
    old = ids_on_page(client.get(f"{URL}?issued_to={today - dt.timedelta(days=30)}"))
    assert old == [world.overdue.pk]
    due_soon = set(ids_on_page(client.get(f"{URL}?due_from={today}&due_to={today + dt.timedelta(days=31)}")))
    assert world.overdue.pk not in due_soon
    assert world.open.pk in due_soon


def test_a_number_search_counts_the_documents_it_lists_under_every_further_filter(world: World, client) -> None:
    """The number search counts its matches to choose its sort, and the page reuses that count: only while no
    other filter (the buyer-response one, applied after the search) has narrowed the rows since."""
    client.force_login(world.p.sales)
    number = world.paid.number
    found = client.get(f"{URL}?number={number}")
    assert (ids_on_page(found), found.context["page"].paginator.count_label) == ([world.paid.pk], "1")
    assert ">1 document</p>" in found.content.decode()
    queried = client.get(f"{URL}?number={number}&attention=yes")
    assert (ids_on_page(queried), queried.context["page"].paginator.count_label) == ([], "0")
    answered = client.get(f"{URL}?number={number}&attention=no")
    assert (ids_on_page(answered), answered.context["page"].paginator.count_label) == ([world.paid.pk], "1")


def test_documents_without_any_buyer_response_are_listed_as_not_needing_attention(world: World, client) -> None:
    client.force_login(world.p.sales)
    everything = set(ids_on_page(client.get(URL)))
    assert everything
    assert set(ids_on_page(client.get(f"{URL}?attention=no"))) == everything
    assert ids_on_page(client.get(f"{URL}?attention=yes")) == []


def test_company_filter_shows_one_customer(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(f"{URL}?company={world.p.globex.pk}")
    assert ids_on_page(response) == [world.globex_open.pk]
    assert "of Globex" in response.content.decode()


def test_a_malformed_filter_shows_its_error_and_filters_nothing(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(f"{URL}?issued_from=yesterday&status=paid")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert ids_on_page(response) == [world.paid.pk]


def test_the_list_sorts_by_a_column_both_ways(world: World, client) -> None:
    client.force_login(world.p.sales)
    ascending = client.get(f"{URL}?sort=total&status=open").context["page"].object_list
    totals = [inv.total for inv in ascending]
    assert totals == sorted(totals)
    descending = client.get(f"{URL}?sort=-total&status=open").context["page"].object_list
    assert [inv.total for inv in descending] == sorted(totals, reverse=True)


def test_the_source_column_is_shown(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(URL).content.decode()
    assert ">Source</th>" in html
    assert "<td>Order</td>" in html
    assert "<td>Manual</td>" in html


def test_pagination_splits_fifty_per_page(personas, client) -> None:
    company = make_company(name="Bulk Buyer")
    for _ in range(55):
        make_invoice(company=company, status="draft")
    client.force_login(personas.sales)
    first = client.get(f"{URL}?customer=Bulk")
    assert len(first.context["page"].object_list) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(f"{URL}?customer=Bulk&page=2")
    assert len(second.context["page"].object_list) == 5
    assert set(ids_on_page(first)).isdisjoint(ids_on_page(second))


def test_an_htmx_request_gets_only_the_results_fragment(world: World, client) -> None:
    client.force_login(world.p.sales)
    response = client.get(f"{URL}?status=paid", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert "<table" in html
    assert world.paid.number in html


def test_csv_export_is_streamed_and_holds_exactly_the_filtered_rows(world: World, client) -> None:
    client.force_login(world.p.sales)
    query = "customer=ACME&sort=-total"
    response = client.get(f"/seller/invoices/export.csv?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    expected = list(invoice_list(invoices_visible_to(world.p.sales), InvoiceFilters(customer="ACME", sort="-total")))
    assert [int(r["Id"]) for r in rows] == [inv.pk for inv in expected]
    assert [int(r["Id"]) for r in rows] == ids_on_page(client.get(f"{URL}?{query}"))
    assert {r["Customer"] for r in rows} == {"ACME Corp"}
    paid_row = next(r for r in rows if r["Number"] == world.paid.number)
    assert paid_row["Status"] == "Paid"
    assert paid_row["Balance"] == "0.00"
    disputed_row = next(r for r in rows if r["Number"] == world.open.number)
    assert disputed_row["Disputed"] == "yes"
    overdue_row = next(r for r in rows if r["Number"] == world.overdue.number)
    assert overdue_row["Overdue"] == "yes"


def test_csv_export_ignores_pagination_and_exports_every_page(personas, client) -> None:
    company = make_company(name="Bulk Buyer")
    for _ in range(55):
        make_invoice(company=company, status="draft")
    client.force_login(personas.sales)
    rows = csv_rows(client.get("/seller/invoices/export.csv?customer=Bulk&page=2"))
    assert len(rows) == 55


def test_csv_export_neutralizes_formula_cells(personas, client) -> None:
    evil = make_company(name='=HYPERLINK("http://evil.test","x")', external_id="+1-555")
    make_invoice(company=evil, status="open")
    client.force_login(personas.sales)
    rows = csv_rows(client.get(f"/seller/invoices/export.csv?company={evil.pk}"))
    assert rows[0]["Customer"].startswith("'=HYPERLINK")
    assert rows[0]["Customer external id"] == "'+1-555"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_safe_prefixes_formula_triggers(value: str) -> None:
    assert csv_safe(value) == "'" + value


def test_csv_safe_leaves_ordinary_text_alone() -> None:
    assert csv_safe("ACME Corp") == "ACME Corp"
    assert csv_safe(None) == ""
    assert csv_safe(12) == "12"


def test_credit_notes_read_as_credit_and_canceled_documents_show_no_balance(personas, client) -> None:
    import re

    from invoice_portal.invoices.services import credit_note_create

    invoice = make_invoice(company=personas.acme, amount="80.00")
    applied = credit_note_create(actor=personas.finance, invoice=invoice, amount="30.00")  # applied to the invoice at once
    unused = credit_note_create(
        actor=personas.finance, invoice=make_invoice(company=personas.acme, status="paid", amount="50.00"), amount="20.00"
    )
    canceled = make_invoice(company=personas.acme, status="canceled", amount="10.00")
    client.force_login(personas.finance)
    html = client.get("/seller/invoices/").content.decode()

    def row(document) -> str:
        found = re.search(rf"<tr>(?:(?!</tr>).)*?>{re.escape(str(document))}</a>(?:(?!</tr>).)*</tr>", html, re.S)
        assert found is not None, document
        return found.group(0)

    assert "Applied" in row(applied)
    assert "-$30.00" in row(applied)
    assert ">Paid<" not in row(applied)
    assert "Available credit" in row(unused)
    assert "-$20.00" in row(unused)
    assert "$10.00" in row(canceled)  # its total
    assert row(canceled).count("$10.00") == 1  # and no balance beside it
    assert "—" in row(canceled)


def test_each_row_links_to_its_invoice_and_wears_its_badges(world: World, client) -> None:
    import re

    from django.urls import reverse

    from invoice_portal.invoices.services import invoice_hold
    from invoice_portal.testing import pay

    invoice_hold(actor=world.p.finance, invoice=world.overdue, reason="Payment plan")
    settled = make_invoice(company=world.p.acme, status="open", amount="25.00")
    invoice_hold(actor=world.p.finance, invoice=settled, reason="Disputed by phone")
    pay(company=world.p.acme, invoices=[(settled, "25.00")])  # paid while held: the hold flag stays, the hold is over
    client.force_login(world.p.finance)
    html = client.get(URL).content.decode()

    def row(document) -> str:
        found = re.search(rf"<tr>(?:(?!</tr>).)*?>{re.escape(str(document))}</a>(?:(?!</tr>).)*</tr>", html, re.S)
        assert found is not None, document
        return found.group(0)

    for document in (world.open, world.overdue, world.paid, world.draft):
        assert f'href="{reverse("seller:invoice_detail", args=[document.pk])}"' in row(document)
    assert "Overdue" in row(world.overdue)
    assert "On hold" in row(world.overdue)
    assert "Disputed" in row(world.open)
    assert "Overdue" not in row(world.open)
    settled.refresh_from_db()
    assert settled.status == "paid"
    assert settled.on_hold
    assert "On hold" not in row(settled)
    assert f'value="{world.draft.pk}"' in row(world.draft)  # offered to the bulk actions
    assert 'type="checkbox"' not in row(world.canceled)
