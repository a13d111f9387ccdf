"""ERP invoice batches: validated whole, written all-or-nothing, upserted by (source, external id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.models import NumberSequence
from invoice_portal.imports.kinds import invoices as invoice_kinds
from invoice_portal.imports.services import import_batch_create
from invoice_portal.imports.tests.helpers import csv_text, errors_of, invoice_row, run_import
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.orders.models import Order
from invoice_portal.testing import Personas, make_order, pay

pytestmark = pytest.mark.django_db


def _batch() -> list[dict[str, str]]:
    return [
        invoice_row(external_id="ERP-1", description="Widget", quantity="2", unit_price="10.00", tax_rate="20", issue_date="2026-11-02"),
        invoice_row(external_id="ERP-1", description="Shipping", unit_price="5.00", tax_rate="20", line_kind="cost"),
        invoice_row(external_id="ERP-2", company="GLOBEX", description="Consulting", unit_price="1000", po_number="PO-7"),
        invoice_row(external_id="ERP-3", description="Draft thing", unit_price="1", status="draft"),
    ]


def _counts() -> tuple[int, int, int, int]:
    return Invoice.objects.count(), InvoiceLine.objects.count(), AuditEvent.objects.count(), DocumentSeal.objects.count()


def test_a_valid_batch_creates_the_invoices_with_their_lines(personas: Personas) -> None:
    batch = run_import(_batch(), actor=personas.finance)

    assert batch.status == "succeeded", batch.errors
    assert batch.summary["created"] == 3
    assert batch.rows_total == 4
    assert batch.rows_done == 4
    first = Invoice.objects.get(source="erp", external_id="ERP-1")
    assert first.status == "open"
    assert first.number == "INV-2026-000001"
    assert first.company == personas.acme
    assert [ln.description for ln in first.lines.order_by("line_no")] == ["Widget", "Shipping"]
    assert first.total == Decimal("30.00")
    assert first.tax_total == Decimal("5.00")
    assert first.balance == first.total
    assert first.due_date is not None
    assert first.issue_date is not None
    assert (first.due_date - first.issue_date).days == personas.acme.payment_terms_days
    assert Invoice.objects.get(external_id="ERP-2").po_number == "PO-7"
    draft = Invoice.objects.get(external_id="ERP-3")
    assert draft.status == "draft"
    assert draft.number is None
    assert check_books() == []


def test_changes_are_audited_as_coming_from_the_batch(personas: Personas) -> None:
    batch = run_import(_batch(), actor=personas.finance)

    invoice = Invoice.objects.get(external_id="ERP-1")
    events = AuditEvent.objects.filter(object_type="invoices.invoice", object_id=str(invoice.pk))
    assert [e.action for e in events] == ["invoice.create", "invoice.issue"]
    assert {(e.channel, e.channel_ref, e.actor_id) for e in events} == {("import", f"batch:{batch.pk}", personas.finance.pk)}


def test_one_bad_row_writes_nothing_and_every_error_is_listed(personas: Personas) -> None:
    rows = _batch()
    rows[1]["quantity"] = "-1"  # row 3
    rows[2]["company_external_id"] = "NOBODY"  # row 4
    rows[3]["unit_price"] = ""  # row 5
    before = _counts()

    batch = run_import(rows)

    assert batch.status == "failed"
    assert errors_of(batch) == {(3, "quantity"), (4, "company_external_id"), (5, "unit_price")}
    assert batch.errors_total == 3
    assert all(e["message"] for e in batch.errors)
    assert _counts() == before
    assert not NumberSequence.objects.exists()


def test_errors_in_many_rows_are_all_reported(personas: Personas) -> None:
    rows = [invoice_row(external_id=f"E-{i}", unit_price="abc" if i % 2 else "1") for i in range(40)]

    batch = run_import(rows)

    assert batch.status == "failed"
    assert batch.errors_total == 20
    assert {e["row"] for e in batch.errors} == {i + 2 for i in range(40) if i % 2}
    assert not Invoice.objects.exists()


def test_reimporting_the_same_file_changes_nothing(personas: Personas) -> None:
    run_import(_batch(), actor=personas.finance)
    snapshot = list(Invoice.objects.order_by("pk").values_list("pk", "version", "updated_at", "number", "total"))
    before = _counts()

    again = run_import(_batch(), actor=personas.finance)

    assert again.status == "succeeded"
    assert again.summary["unchanged"] == 3
    assert again.summary["created"] == again.summary["updated"] == 0
    assert _counts() == before
    assert list(Invoice.objects.order_by("pk").values_list("pk", "version", "updated_at", "number", "total")) == snapshot


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(personas: Personas) -> None:
    preview = run_import(_batch(), dry_run=True)

    assert preview.status == "succeeded"
    assert preview.dry_run
    assert preview.summary["created"] == 3
    assert [item["id"] for item in preview.summary["results"]] == [None, None, None]
    assert _counts() == (0, 0, 0, 0)
    assert not NumberSequence.objects.exists()

    run_import(_batch())
    changed = _batch()
    changed[2]["unit_price"] = "1100"
    before = _counts()
    preview = run_import(changed, dry_run=True)

    assert {(r["external_id"], r["action"]) for r in preview.summary["results"]} == {
        ("ERP-1", "unchanged"), ("ERP-2", "updated"), ("ERP-3", "unchanged"),
    }  # fmt: skip
    assert _counts() == before
    assert Invoice.objects.get(external_id="ERP-2").total == Decimal("1000")


def test_a_dry_run_of_a_bad_batch_lists_the_errors(personas: Personas) -> None:
    rows = _batch()
    rows[0]["tax_rate"] = "120"

    preview = run_import(rows, dry_run=True)

    assert preview.status == "failed"
    assert errors_of(preview) == {(2, "tax_rate")}


def test_a_store_order_id_links_the_invoice_to_the_synced_order(personas: Personas) -> None:
    order = make_order(company=personas.acme, source="bigcommerce", external_id="100245", placed_by=personas.alice)

    batch = run_import([invoice_row(external_id="ERP-9", store_order_id="100245")])

    assert batch.status == "succeeded", batch.errors
    invoice = Invoice.objects.get(external_id="ERP-9")
    assert invoice.order == order
    assert invoice in invoices_visible_to(personas.alice)  # the buyer who placed the order sees its ERP invoice
    assert invoice not in invoices_visible_to(personas.charlie)


def test_an_unknown_or_foreign_order_is_a_row_error(personas: Personas) -> None:
    make_order(company=personas.globex, source="bigcommerce", external_id="GLOBEX-ORDER")

    batch = run_import(
        [
            invoice_row(external_id="ERP-1", store_order_id="NOPE"),
            invoice_row(external_id="ERP-2", store_order_id="GLOBEX-ORDER"),
            invoice_row(external_id="ERP-3", store_order_id="1", erp_order_id="2"),
        ]
    )

    assert batch.status == "failed"
    assert errors_of(batch) == {(2, "store_order_id"), (3, "store_order_id"), (4, "erp_order_id")}
    assert not Invoice.objects.exists()


def test_a_changed_line_on_an_open_invoice_makes_a_new_sealed_version(personas: Personas) -> None:
    run_import(_batch())
    invoice = Invoice.objects.get(external_id="ERP-1")
    seals = DocumentSeal.objects.filter(invoice=invoice).count()
    changed = _batch()
    changed[0]["unit_price"] = "12.00"

    batch = run_import(changed)

    assert batch.status == "succeeded"
    assert batch.summary["updated"] == 1
    assert batch.summary["unchanged"] == 2
    invoice.refresh_from_db()
    assert invoice.version == 2
    assert invoice.total == Decimal("34.80")
    assert invoice.number == "INV-2026-000001"
    assert DocumentSeal.objects.filter(invoice=invoice).count() == seals + 1
    assert AuditEvent.objects.filter(object_id=str(invoice.pk), action="invoice.update", channel="import").count() == 1
    assert check_books() == []


def test_a_paid_invoice_is_not_changed_by_a_later_file(personas: Personas) -> None:
    run_import(_batch())
    invoice = Invoice.objects.get(external_id="ERP-1")
    pay(company=personas.acme, invoices=[(invoice, invoice.total)])
    changed = _batch()
    changed[1]["unit_price"] = "6.00"

    batch = run_import(changed)

    assert batch.status == "failed"
    assert errors_of(batch) == {(2, "external_id")}
    assert "paid" in batch.errors[0]["message"]
    assert run_import(_batch()).status == "succeeded"  # the unchanged file is still fine


def test_a_new_total_below_what_is_allocated_is_refused(personas: Personas) -> None:
    run_import(_batch())
    invoice = Invoice.objects.get(external_id="ERP-2")
    pay(company=personas.globex, invoices=[(invoice, "600.00")])
    changed = _batch()
    changed[2]["unit_price"] = "500"

    batch = run_import(changed)

    assert batch.status == "failed"
    assert "below" in batch.errors[0]["message"]


def test_open_in_a_later_file_issues_an_imported_draft(personas: Personas) -> None:
    run_import(_batch())
    rows = _batch()
    rows[3]["status"] = "open"

    batch = run_import(rows)

    assert batch.summary["updated"] == 1
    draft = Invoice.objects.get(external_id="ERP-3")
    assert draft.status == "open"
    assert draft.number == "INV-2026-000003"
    assert check_books() == []


def test_an_issued_invoice_is_never_taken_back_to_draft(personas: Personas) -> None:
    run_import(_batch())
    rows = _batch()
    rows[0]["status"] = "draft"

    batch = run_import(rows)

    assert batch.status == "succeeded"
    assert batch.summary["unchanged"] == 3
    assert Invoice.objects.get(external_id="ERP-1").status == "open"


def test_an_import_does_not_move_an_invoice_to_another_company(personas: Personas) -> None:
    run_import(_batch())
    rows = _batch()
    rows[2]["company_external_id"] = "ACME"

    batch = run_import(rows)

    assert errors_of(batch) == {(4, "company_external_id")}


def test_the_rows_of_one_invoice_must_be_consecutive(personas: Personas) -> None:
    rows = [invoice_row(external_id="A"), invoice_row(external_id="B"), invoice_row(external_id="A", description="Later")]

    batch = run_import(rows)

    assert batch.status == "failed"
    assert errors_of(batch) == {(4, "external_id")}
    assert "row 2" in batch.errors[0]["message"]


def test_document_cells_that_disagree_within_an_invoice_are_errors(personas: Personas) -> None:
    rows = [invoice_row(external_id="A", currency="USD"), invoice_row(external_id="A", currency="EUR")]

    batch = run_import(rows)

    assert errors_of(batch) == {(3, "currency")}


def test_the_same_external_id_from_another_source_is_another_invoice(personas: Personas) -> None:
    batch = run_import([invoice_row(external_id="X-1"), invoice_row(external_id="X-1", source="csv")])

    assert batch.status == "succeeded", batch.errors
    assert set(Invoice.objects.values_list("source", flat=True)) == {"erp", "csv"}


def test_header_problems_are_reported_once_before_any_row(personas: Personas) -> None:
    text = "external_id,company_external_id,descripton,unit_price\nA,ACME,Widget,1\n"

    batch = run_import(text=text)

    assert batch.status == "failed"
    assert errors_of(batch) == {(1, "descripton"), (1, "description")}


def test_a_discount_over_several_rates_must_name_its_rate(personas: Personas) -> None:
    rows = [
        invoice_row(external_id="D", unit_price="100", tax_rate="20", discount="10.00"),
        invoice_row(external_id="D", unit_price="100", tax_rate="7"),
    ]

    batch = run_import(rows)
    assert errors_of(batch) == {(2, "discount_tax_category")}

    rows[0].update(discount_tax_category="S", discount_tax_rate="20")
    batch = run_import(rows)
    assert batch.status == "succeeded", batch.errors
    assert Invoice.objects.get(external_id="D").total == Decimal("215.00")  # 190 net + 18 (20 % of 90) + 7


def test_a_json_batch_imports_like_the_csv(personas: Personas) -> None:
    rows: list[dict[str, Any]] = [dict(r) for r in _batch()]
    rows[0]["quantity"] = 2  # JSON numbers are read exactly
    rows[2]["unit_price"] = 1000.10  # written as 1000.1 by json.dumps, parsed as Decimal("1000.1")

    batch = run_import(rows, fmt="json")

    assert batch.status == "succeeded", batch.errors
    assert batch.rows_total == 4
    assert Invoice.objects.get(external_id="ERP-2").total == Decimal("1000.10")


def test_a_json_row_with_an_unknown_column_or_a_nested_value_is_an_error(personas: Personas) -> None:
    rows: list[dict[str, Any]] = [invoice_row(external_id="A"), {**invoice_row(external_id="B"), "colour": "red", "quantity": [1]}]

    batch = run_import(rows, fmt="json")

    assert errors_of(batch) == {(2, "colour"), (2, "quantity")}


def test_an_unreadable_file_fails_at_once(personas: Personas) -> None:
    assert run_import(text="").errors[0]["message"].startswith("The file is empty")
    assert "not valid json" in run_import(text="{", fmt="json").errors[0]["message"].lower()
    latin1 = csv_text([invoice_row(description="Café")]).encode("latin-1")
    batch = import_batch_create(actor=None, kind="invoices", fmt="csv", payload=latin1)
    assert batch.status == "failed"
    assert "UTF-8" in batch.errors[0]["message"]
    assert not Invoice.objects.exists()


def test_every_bad_line_of_one_invoice_is_reported(personas: Personas) -> None:
    rows = [
        invoice_row(external_id="M", quantity="0"),
        invoice_row(external_id="M"),
        invoice_row(external_id="M", unit_price="1.23456"),
        invoice_row(external_id="N", company="NOBODY", tax_rate="-5"),
        invoice_row(external_id="P", unit_code="PCS"),  # not a UN/ECE unit (EN 16931 BR-CL-23): H87 is a piece
    ]

    batch = run_import(rows)

    assert errors_of(batch) == {(2, "quantity"), (4, "unit_price"), (5, "company_external_id"), (5, "tax_rate"), (6, "unit_code")}


def test_hostile_files_are_refused_without_writing(personas: Personas) -> None:
    deep = '{"kind": "invoices", "rows": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge_number = '{"kind": "invoices", "rows": [{"quantity": ' + "9" * 5000 + "}]}"
    huge_cell = csv_text([invoice_row(description="x" * 200_000)])

    for text, fmt in ((deep, "json"), (huge_number, "json"), (huge_cell, "csv")):
        batch = run_import(text=text, fmt=fmt)
        assert batch.status == "failed", text[:40]
        assert batch.errors
    assert not Invoice.objects.exists()


def test_one_invoice_per_order_holds_for_imports_within_a_batch_and_against_the_database(personas: Personas) -> None:
    order = make_order(company=personas.acme, source="bigcommerce", external_id="100245")

    rows = [invoice_row(external_id="ERP-1", store_order_id="100245"), invoice_row(external_id="ERP-2", store_order_id="100245")]
    twice = run_import(rows)
    assert twice.status == "failed"
    assert errors_of(twice) == {(3, "store_order_id")}
    assert not Invoice.objects.exists()

    assert run_import([invoice_row(external_id="ERP-1", store_order_id="100245")]).status == "succeeded"
    again = run_import([invoice_row(external_id="ERP-2", store_order_id="100245")])
    assert again.status == "failed"
    assert errors_of(again) == {(2, "store_order_id")}
    assert "one invoice per order" in again.errors[0]["message"]
    # Re-importing the invoice the order has is an update, not a second invoice.
    assert run_import([invoice_row(external_id="ERP-1", store_order_id="100245", notes="changed")]).status == "succeeded"
    assert Invoice.objects.filter(order=order).count() == 1


def test_the_applying_pass_takes_the_documents_the_validating_pass_prepared(personas: Personas, monkeypatch: Any) -> None:
    prepared: list[str] = []
    original = invoice_kinds.document_prepare

    def counted(**kwargs: Any) -> Any:
        prepared.append(kwargs["external_id"])
        return original(**kwargs)

    monkeypatch.setattr(invoice_kinds, "document_prepare", counted)

    batch = run_import(_batch(), actor=personas.finance)

    assert batch.status == "succeeded", batch.errors
    assert prepared == ["ERP-1", "ERP-2", "ERP-3"]  # once each, by the validating pass
    first = Invoice.objects.get(external_id="ERP-1")
    assert first.total == Decimal("30.00")
    assert batch.started_at is not None
    assert first.created_at >= batch.started_at
    assert check_books() == []


def test_an_order_changed_between_validating_and_applying_is_read_again(personas: Personas) -> None:
    order = make_order(company=personas.acme, source="bigcommerce", external_id="100246", placed_by=personas.alice)
    order.po_number = "PO-OLD"
    order.save(update_fields=["po_number"])

    def between_passes(phase: str, rows: int, total: int) -> None:
        if phase == "validating" and rows == total:  # the validating pass is done; the applying pass starts next
            Order.objects.filter(pk=order.pk).update(po_number="PO-NEW")

    batch = run_import([invoice_row(external_id="ERP-10", store_order_id="100246")], progress=between_passes)

    assert batch.status == "succeeded", batch.errors
    assert Invoice.objects.get(external_id="ERP-10").po_number == "PO-NEW"
