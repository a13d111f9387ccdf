"""Purchase-order imports on SQLite run staged, as invoices and orders do (docs/imports.md, "Imports on SQLite").

Between two chunks (``imports.services.between_chunks``) the staged purchase orders are on disk and seen by no
one: not the AP selectors, the API, the AP pages or the supplier's pages. The publishing transaction re-checks
what may have changed meanwhile; any failure, or a dry run, leaves nothing. The lock (another connection writing
between two chunks) is tested in ``imports/tests/test_staged.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from invoice_portal.accounts.models import User
from invoice_portal.api.services import api_token_create
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import Conflict
from invoice_portal.imports import services
from invoice_portal.imports.kinds.purchase_orders import PurchaseOrderKind
from invoice_portal.imports.tests.helpers import csv_text, run_import
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.payables.selectors import purchase_orders_visible_to
from invoice_portal.payables.services import purchase_order_upsert
from invoice_portal.payables.testing import ApPersonas, make_po

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL applies a batch in one transaction")


def _rows(n: int = 5, *, requester: str = "approver@demo.test") -> str:
    return csv_text([
        {"external_id": f"PO-{i}", "supplier_external_id": "NORTHWIND", "po_number": f"45000{i}", "requester_email": requester,
         "description": "Paper", "quantity": "10", "unit_code": "XPK", "unit_price": "4.50", "tax_rate": "20"}
        for i in range(n)
    ])  # fmt: skip


def _batch_orders() -> Any:
    return Order.all_objects.filter(source="erp", external_id__startswith="PO-")


def _nothing_left() -> None:
    assert not _batch_orders().exists()
    assert not OrderLine.objects.filter(order__external_id__startswith="PO-").exists()
    assert not AuditEvent.objects.filter(action="purchase_order.create", channel="import").exists()


@sqlite_only
def test_staged_purchase_orders_are_invisible_until_the_batch_publishes_them(ap: ApPersonas, monkeypatch: pytest.MonkeyPatch) -> None:
    make_po(supplier=ap.northwind, external_id="KEPT-1")
    monkeypatch.setattr(PurchaseOrderKind, "chunk_size", 2)
    api = Client(headers={"Authorization": f"Bearer {api_token_create(actor=None, user=ap.clerk, name='t')[1]}"})
    clerk, supplier = Client(), Client()
    clerk.force_login(ap.clerk)
    supplier.force_login(ap.sue)
    seen: list[dict[str, Any]] = []

    def look(batch_id: int, rows: int) -> None:
        staged = list(_batch_orders().filter(import_batch_id=batch_id))
        conflict = None
        try:
            purchase_order_upsert(
                actor=None,
                source="erp",
                external_id=staged[0].external_id,
                supplier=ap.northwind,
                lines=[{"description": "x", "unit_price": "1"}],
            )
        except Conflict as exc:
            conflict = exc.code
        listed = [o["external_id"] for o in api.get("/api/v1/purchase-orders", {"limit": 100}).json()["items"]]
        seen.append({
            "rows": rows, "staged": len(staged), "objects": Order.objects.filter(external_id__startswith="PO-").count(),
            "clerk": purchase_orders_visible_to(ap.clerk).filter(external_id__startswith="PO-").count(),
            "supplier": purchase_orders_visible_to(ap.sue).filter(external_id__startswith="PO-").count(),
            "api_list": [e for e in listed if e.startswith("PO-")],
            "api_one": api.get(f"/api/v1/purchase-orders/{staged[0].pk}").status_code,
            "ap_page": "450000" in clerk.get("/ap/orders/").content.decode(),
            "ap_detail": clerk.get(f"/ap/orders/{staged[0].pk}/").status_code,
            "supplier_page": "450000" in supplier.get("/supplier/orders/").content.decode(), "conflict": conflict,
        })  # fmt: skip

    monkeypatch.setattr(services, "between_chunks", look)
    batch = run_import(text=_rows(5), kind="purchase_orders")

    assert batch.status == "succeeded", batch.errors
    assert [(s["rows"], s["staged"]) for s in seen] == [(2, 2), (4, 4), (5, 5)]
    for s in seen:
        assert (s["objects"], s["clerk"], s["supplier"], s["api_list"], s["api_one"]) == (0, 0, 0, [], 404), s
        assert (s["ap_page"], s["ap_detail"], s["supplier_page"], s["conflict"]) == (False, 404, False, "being_imported"), s
    assert purchase_orders_visible_to(ap.clerk).filter(external_id__startswith="PO-").count() == 5
    assert "450000" in clerk.get("/ap/orders/").content.decode()
    assert "450000" in supplier.get("/supplier/orders/").content.decode()
    assert AuditEvent.objects.filter(action="purchase_order.create", channel="import", channel_ref=f"batch:{batch.pk}").count() == 5
    po = Order.objects.get(external_id="PO-0")
    assert (po.po_status, po.requester, po.total, po.lines.get().unit_code) == ("open", ap.approver, 54, "XPK")


@sqlite_only
@pytest.mark.parametrize("change", ["supplier role dropped", "requester left", "internal error"])
def test_a_failure_in_publishing_leaves_nothing(ap: ApPersonas, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    monkeypatch.setattr(PurchaseOrderKind, "chunk_size", 2)

    def after_the_last_chunk(batch_id: int, rows: int) -> None:
        if rows < 5:
            return
        if change == "supplier role dropped":
            Company.objects.filter(pk=ap.northwind.pk).update(is_supplier=False, is_customer=True)
        elif change == "requester left":
            User.objects.filter(pk=ap.approver.pk).update(is_active=False)

    def broken(entries: list[dict[str, Any]]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(services, "between_chunks", after_the_last_chunk)
    if change == "internal error":
        monkeypatch.setattr("invoice_portal.imports.staged_orders.audit_record_many", broken)
    batch = run_import(text=_rows(5), kind="purchase_orders")

    assert batch.status == "failed"
    column = {"supplier role dropped": "supplier_external_id", "requester left": "requester_email", "internal error": ""}[change]
    assert {e["column"] for e in batch.errors} == {column}, batch.errors
    if column:
        assert sorted(e["row"] for e in batch.errors) == [2, 3, 4, 5, 6]
    _nothing_left()


@pytest.mark.parametrize("chunk", [1, 100])
def test_a_dry_run_reports_and_leaves_nothing(ap: ApPersonas, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(PurchaseOrderKind, "chunk_size", chunk)
    before = (Order.all_objects.count(), OrderLine.objects.count(), AuditEvent.objects.count())
    batch = run_import(text=_rows(3), kind="purchase_orders", dry_run=True)

    assert batch.status == "succeeded", batch.errors
    assert batch.summary["created"] == 3
    assert (Order.all_objects.count(), OrderLine.objects.count(), AuditEvent.objects.count()) == before


def test_validation_reports_what_the_upsert_would_refuse(ap: ApPersonas) -> None:
    """A new purchase order is prepared while planning: an inactive requester fails the batch before anything is written."""
    User.objects.filter(pk=ap.approver.pk).update(is_active=False)
    batch = run_import(text=_rows(1), kind="purchase_orders")
    assert batch.status == "failed"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "requester_email")], batch.errors
    _nothing_left()
