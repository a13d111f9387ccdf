"""Creating and editing invoices: lines added, changed and removed, totals recomputed, the status table enforced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from invoice_portal.invoices.models import Invoice
from invoice_portal.seller.tests.conftest import World


def editor_data(lines: list[dict[str, Any]], *, initial: int = 0, **header: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": str(initial), "lines-MIN_NUM_FORMS": "0",
                            "lines-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, line in enumerate(lines):
        for key, value in {"kind": "item", **line}.items():
            data[f"lines-{i}-{key}"] = value
    data.update(header)
    return data


def lines_of(invoice: Invoice) -> list[dict[str, Any]]:
    return [
        {"kind": ln.kind, "sku": ln.sku, "description": ln.description, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price),
         "tax_category": ln.tax_category, "tax_rate": str(ln.tax_rate), "unit_code": ln.unit_code, "order_line_id": ln.order_line_id or ""}
        for ln in invoice.lines.order_by("line_no")
    ]  # fmt: skip


def new_url(world: World) -> str:
    return reverse("seller:invoice_new") + f"?company={world.p.acme.pk}"


def test_the_customer_picker_finds_by_name_and_external_id(world: World, client) -> None:
    client.force_login(world.p.sales)
    by_name = client.get(reverse("seller:invoice_new") + "?q=acme").content.decode()
    assert "ACME Corp" in by_name
    assert "ACME West" in by_name
    assert "Globex" not in by_name
    by_id = client.get(reverse("seller:invoice_new") + "?q=globex", headers={"HX-Request": "true"}).content.decode()
    assert "Globex" in by_id
    assert "<html" not in by_id


def test_sales_creates_a_draft_with_item_and_cost_lines(world: World, client) -> None:
    client.force_login(world.p.sales)
    data = editor_data(
        [
            {"description": "Widget", "quantity": "3", "unit_price": "10.00", "tax_rate": "20", "tax_category": "S"},
            {"kind": "cost", "description": "Shipping", "quantity": "1", "unit_price": "5.00"},
        ],
        po_number="PO-77",
    )
    response = client.post(new_url(world), data)
    invoice = Invoice.objects.get(po_number="PO-77")
    assert response.status_code == 302
    assert response["Location"] == reverse("seller:invoice_detail", args=[invoice.pk])
    assert invoice.status == "draft"
    assert invoice.company == world.p.acme
    assert invoice.created_by == world.p.sales
    assert [ln.kind for ln in invoice.lines.order_by("line_no")] == ["item", "cost"]
    assert invoice.total == Decimal("41.00")  # 30 + 20 % VAT 6 + 5 shipping at 0 %


def test_a_bad_quantity_is_a_form_error_and_nothing_is_created(world: World, client) -> None:
    client.force_login(world.p.sales)
    before = Invoice.objects.count()
    response = client.post(new_url(world), editor_data([{"description": "Widget", "quantity": "three", "unit_price": "10"}]))
    assert response.status_code == 200
    assert "&#x27;three&#x27; is not a number written with the digits 0-9." in response.content.decode()
    assert Invoice.objects.count() == before


def test_a_rule_broken_in_a_line_is_shown_on_that_line(world: World, client) -> None:
    client.force_login(world.p.sales)
    before = Invoice.objects.count()
    response = client.post(
        new_url(world),
        editor_data(
            [{"description": "Fine", "quantity": "1", "unit_price": "10"}, {"description": "Bad", "quantity": "0", "unit_price": "10"}]
        ),
    )
    html = response.content.decode()
    assert "must be above zero" in html
    assert "Line 2" in html
    editor = response.context["editor"]
    assert editor.lines.forms[1].errors["quantity"] == ["must be above zero."]
    assert Invoice.objects.count() == before


def test_a_line_without_description_is_refused(world: World, client) -> None:
    client.force_login(world.p.sales)
    before = Invoice.objects.count()
    response = client.post(new_url(world), editor_data([{"quantity": "1", "unit_price": "10"}]))
    assert "needs a description" in response.content.decode()
    assert Invoice.objects.count() == before


def test_adding_a_line_re_renders_without_saving(world: World, client) -> None:
    client.force_login(world.p.sales)
    before = Invoice.objects.count()
    data = editor_data([{"description": "Widget", "quantity": "1", "unit_price": "10"}], action="add_cost")
    response = client.post(new_url(world), data)
    editor = response.context["editor"]
    assert len(editor.lines.forms) == 2
    assert editor.lines.forms[1]["kind"].value() == "cost"
    assert Invoice.objects.count() == before
    fragment = client.post(new_url(world) + "&action=add_item", data | {"action": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert 'id="editor"' in fragment
    assert "lines-1-description" in fragment


def test_editing_an_open_invoice_changes_lines_and_bumps_its_version(world: World, client) -> None:
    client.force_login(world.p.sales)
    invoice = world.open
    lines = lines_of(invoice)
    lines[0]["quantity"] = "2"
    lines.append({"kind": "cost", "description": "Handling", "quantity": "1", "unit_price": "7.50"})
    response = client.post(reverse("seller:invoice_save", args=[invoice.pk]), editor_data(lines, initial=2))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.version == 2
    assert invoice.status == "open"
    assert invoice.total == Decimal("307.50")
    assert invoice.lines.count() == 3


def test_ticking_remove_drops_the_line(world: World, client) -> None:
    client.force_login(world.p.sales)
    invoice = world.open
    lines = lines_of(invoice)
    lines[1]["DELETE"] = "on"
    client.post(reverse("seller:invoice_save", args=[invoice.pk]), editor_data(lines, initial=2))
    invoice.refresh_from_db()
    assert invoice.lines.count() == 1
    assert invoice.total == Decimal("100.00")


def test_a_partially_paid_invoice_cannot_go_below_what_is_allocated(world: World, client) -> None:
    client.force_login(world.p.sales)
    invoice = world.partial
    lines = lines_of(invoice)
    lines[0]["unit_price"] = "10.00"
    response = client.post(reverse("seller:invoice_save", args=[invoice.pk]), editor_data(lines, initial=1))
    assert response.status_code == 200
    assert "already allocated" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.total == Decimal("300.00")
    assert invoice.version == 1


def test_a_paid_invoice_shows_no_edit_controls_and_refuses_edits(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:invoice_detail", args=[world.paid.pk])).content.decode()
    assert "Save changes" not in html
    assert "Add item line" not in html
    assert "Delete" not in html
    assert "Cancel invoice" not in html
    assert "No edit controls" in html
    lines = lines_of(world.paid)
    lines[0]["unit_price"] = "1.00"
    response = client.post(reverse("seller:invoice_save", args=[world.paid.pk]), editor_data(lines, initial=1))
    assert "can no longer be edited" in response.content.decode()
    world.paid.refresh_from_db()
    assert world.paid.total == Decimal("40.00")


def test_the_preview_computes_totals_without_saving(world: World, client) -> None:
    client.force_login(world.p.sales)
    data = editor_data([{"description": "A", "quantity": "2", "unit_price": "10", "tax_rate": "10", "tax_category": "S"}])
    html = client.post(reverse("seller:invoice_preview", args=[world.draft.pk]), data, headers={"HX-Request": "true"}).content.decode()
    assert "$22.00" in html
    world.draft.refresh_from_db()
    assert world.draft.total == Decimal("100.00")
    new_html = client.post(reverse("seller:invoice_new_preview") + f"?company={world.p.acme.pk}", data).content.decode()
    assert "$22.00" in new_html


def test_the_editor_shows_existing_numbers_as_typed(world: World, client) -> None:
    client.force_login(world.p.sales)
    html = client.get(reverse("seller:invoice_detail", args=[world.draft.pk])).content.decode()
    assert 'name="lines-0-quantity" value="2"' in html
    assert 'name="lines-0-unit_price" value="50"' in html


def test_the_live_totals_name_the_line_and_field_in_words(world: World, client) -> None:
    client.force_login(world.p.sales)
    data = editor_data([{"description": "A", "quantity": "-5", "unit_price": "10"}])
    html = client.post(reverse("seller:invoice_preview", args=[world.draft.pk]), data, headers={"HX-Request": "true"}).content.decode()
    assert "Line 1, quantity: must not be negative." in html
    assert "lines[0]" not in html
    assert "got -5" not in html


def test_a_refused_save_shows_the_error_beside_the_field_and_once_in_the_summary(world: World, client) -> None:
    client.force_login(world.p.sales)
    lines = [{"description": "Fine", "quantity": "1", "unit_price": "10"}, {"description": "Bad", "quantity": "-5", "unit_price": "10"}]
    response = client.post(new_url(world), editor_data(lines))
    html = response.content.decode()
    assert response.context["editor"].lines.forms[1].errors["quantity"] == ["must not be negative."]
    assert html.count("Line 2, quantity: must not be negative.") == 1
    assert html.count("must not be negative") == 2  # the summary and the field, not again in the totals box
    assert "lines[1]" not in html


def test_amounts_typed_as_the_app_writes_them_are_read_and_scientific_notation_is_refused(world: World, client) -> None:
    client.force_login(world.p.sales)
    data = editor_data([{"description": "A", "quantity": "1,000", "unit_price": "1,250.50"}])
    html = client.post(reverse("seller:invoice_preview", args=[world.draft.pk]), data, headers={"HX-Request": "true"}).content.decode()
    assert "$1,250,500.00" in html
    response = client.post(new_url(world), editor_data([{"description": "A", "quantity": "1", "unit_price": "1e9"}]))
    assert response.context["editor"].lines.forms[0].errors["unit_price"] == [
        "&#x27;1e9&#x27; is written in scientific notation; write the amount out in digits, e.g. 1000000.00.".replace("&#x27;", "'")
    ]


def test_a_unit_price_finer_than_the_currency_is_billed_rounded_with_a_visible_notice(world: World, client) -> None:
    client.force_login(world.p.sales)
    data = editor_data(
        [{"description": "A", "quantity": "3", "unit_price": "0.3333"}, {"description": "B", "quantity": "2", "unit_price": "1.50"}]
    )
    html = client.post(reverse("seller:invoice_preview", args=[world.draft.pk]), data, headers={"HX-Request": "true"}).content.decode()
    assert "Line 1: 3 × 0.3333 = 0.9999, billed as $1.00 (rounded to 2 decimals, half up)." in html
    assert "Line 2:" not in html
    too_fine = client.post(new_url(world), editor_data([{"description": "A", "quantity": "1", "unit_price": "0.33333"}]))
    assert too_fine.context["editor"].lines.forms[0].errors["unit_price"] == ["0.33333 has more than 4 decimal places."]
