"""The ``purchase_orders`` import kind: upsert by external id, per-row errors, replays unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from invoice_portal.imports.tests.helpers import run_import
from invoice_portal.orders.models import Order, PurchaseOrderStatus
from invoice_portal.payables.testing import ApPersonas

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[4] / "docs" / "imports.md"


def _example() -> str:
    return re.search(r"For example \(`purchase_orders\.csv`.*?```text\n(.*?)```", DOC.read_text(), re.S)[1]  # type: ignore[index]


def test_the_documented_example_imports_and_a_replay_changes_nothing(ap: ApPersonas) -> None:
    batch = run_import(text=_example(), kind="purchase_orders")
    assert batch.status == "succeeded", batch.errors
    po = Order.objects.get(external_id="PO-2026-0101")
    assert (po.direction, po.po_status, po.po_number, po.company, po.requester) == (
        "purchase", PurchaseOrderStatus.OPEN, "4500012345", ap.northwind, ap.approver,
    )  # fmt: skip
    assert [(ln.unit_code, f"{ln.quantity.normalize():f}") for ln in po.lines.order_by("line_no")] == [("XPK", "10"), ("C62", "2")]
    again = run_import(text=_example(), kind="purchase_orders")
    assert again.status == "succeeded"
    assert again.summary["unchanged"] == 2, again.summary


def test_an_unknown_supplier_and_a_bad_quantity_are_reported_on_their_rows(ap: ApPersonas) -> None:
    text = "external_id,supplier_external_id,description,quantity,unit_price\nPO-X,NOBODY,Paper,1,1.00\nPO-Y,NORTHWIND,Paper,-1,1.00\n"
    batch = run_import(text=text, kind="purchase_orders")
    assert batch.status == "failed"
    assert {(e["row"], e["column"]) for e in batch.errors} == {(2, "supplier_external_id"), (3, "quantity")}
    assert not Order.objects.filter(external_id__in=["PO-X", "PO-Y"]).exists()
