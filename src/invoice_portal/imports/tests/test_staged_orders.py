"""Order imports on SQLite run staged, as invoices do: hidden between chunks, published at once, or nothing at all.

A hook the import calls after each committed chunk (``imports.services.between_chunks``) looks at the portal
as everyone else sees it — selectors, the API, the seller and buyer pages — and may change what the publishing
transaction re-checks. The lock itself (another connection writing between two chunks) is tested in
``test_staged.py``, which needs a database file of its own. The dry run test runs on both databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.api.services import api_token_create
from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import Conflict
from invoice_portal.imports import services
from invoice_portal.imports.kinds.orders import OrderKind
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.services import import_batch_reap, staged_runs
from invoice_portal.imports.tests.helpers import order_row, run_import
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.orders.selectors import orders_visible_to
from invoice_portal.orders.services import order_upsert
from invoice_portal.testing import Personas, make_order

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL applies a batch in one transaction")


class Killed(BaseException):
    """The process dies here: nothing after it runs, not even the batch's own clean-up."""


def _rows(n: int = 5) -> list[dict[str, str]]:
    return [
        order_row(external_id=f"SO-{i}", placed_by_email="alice@acme.test", quantity="2", unit_price="25.00", tax_rate="20")
        for i in range(n)
    ]


def _batch_orders() -> Any:
    return Order.all_objects.filter(source="erp", external_id__startswith="SO-")


def _nothing_left() -> None:
    assert not _batch_orders().exists()
    assert not OrderLine.objects.filter(order__external_id__startswith="SO-").exists()
    assert not AuditEvent.objects.filter(action="order.create", channel="import").exists()


@sqlite_only
def test_staged_orders_are_invisible_until_the_batch_publishes_them(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    visible = make_order(company=personas.acme, placed_by=personas.alice, external_id="SO-VISIBLE-BEFORE", source="api")
    monkeypatch.setattr(OrderKind, "chunk_size", 2)
    token = api_token_create(actor=None, user=personas.admin, name="t")[1]
    api = Client(headers={"Authorization": f"Bearer {token}"})
    seller, buyer = Client(), Client()
    seller.force_login(personas.admin)
    buyer.force_login(personas.alice)
    seen: list[dict[str, Any]] = []

    def look(batch_id: int, rows: int) -> None:
        staged = list(_batch_orders().filter(import_batch_id=batch_id))
        listed = [o["external_id"] for o in api.get("/api/v1/orders", {"limit": 100}).json()["items"]]
        conflict = None
        try:
            order_upsert(
                actor=None,
                source="erp",
                external_id=staged[0].external_id,
                company=personas.acme,
                lines=[{"description": "x", "unit_price": "1"}],
            )
        except Conflict as exc:
            conflict = exc.code
        body = {
            "source": "erp",
            "external_id": staged[0].external_id,
            "company": personas.acme.pk,
            "lines": [{"description": "x", "unit_price": "1"}],
        }
        posted = api.post("/api/v1/orders", body, content_type="application/json")
        seen.append({
            "rows": rows, "staged": len(staged), "objects": Order.objects.filter(source="erp").count(),
            "selector": orders_visible_to(personas.admin).filter(source="erp").count(),
            "buyer_selector": orders_visible_to(personas.alice).filter(source="erp").count(),
            "api_list": [e for e in listed if e.startswith("SO-") and e != visible.external_id],
            "api_one": api.get(f"/api/v1/orders/{staged[0].pk}").status_code,
            "seller_page": "SO-0" in seller.get("/seller/orders/").content.decode(),
            "seller_detail": seller.get(f"/seller/orders/{staged[0].pk}/").status_code,
            "buyer_page": "SO-0" in buyer.get("/portal/orders/").content.decode(),
            "conflict": conflict, "posted": (posted.status_code, posted.json().get("code")),
        })  # fmt: skip

    monkeypatch.setattr(services, "between_chunks", look)
    batch = run_import(_rows(5), kind="orders", actor=personas.admin)

    assert batch.status == "succeeded", batch.errors
    assert [(s["rows"], s["staged"]) for s in seen] == [(2, 2), (4, 4), (5, 5)]  # on disk, chunk by chunk
    for s in seen:
        assert (s["objects"], s["selector"], s["buyer_selector"], s["api_list"]) == (0, 0, 0, []), s
        assert (s["api_one"], s["seller_detail"], s["seller_page"], s["buyer_page"]) == (404, 404, False, False), s
        assert (s["conflict"], s["posted"]) == ("being_imported", (409, "being_imported")), s
    # Published: every order, its lines, one audit event each, as order_upsert writes them; the pages show them.
    assert Order.objects.filter(source="erp").count() == 5
    assert OrderLine.objects.filter(order__source="erp").count() == 5
    assert AuditEvent.objects.filter(action="order.create", channel="import", channel_ref=f"batch:{batch.pk}").count() == 5
    assert "SO-0" in seller.get("/seller/orders/").content.decode()
    assert "SO-0" in buyer.get("/portal/orders/").content.decode()
    assert [r["action"] for r in batch.summary["results"]] == ["created"] * 5
    assert [r["external_id"] for r in batch.summary["results"]] == [f"SO-{i}" for i in range(5)]


@sqlite_only
def test_an_order_import_ends_the_same_staged_or_not(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    """The staged path writes what order_upsert writes: the same rows and the same audit trail (an update included)."""
    make_order(company=personas.acme, source="erp", external_id="SO-1")  # updated by the file
    rows = [_rows(3)[0], _rows(3)[2], order_row(external_id="SO-1", description="Changed", unit_price="9.00")]
    monkeypatch.setattr(OrderKind, "chunk_size", 1)
    batch = run_import(rows, kind="orders", actor=personas.admin)
    assert batch.status == "succeeded", batch.errors
    assert [(r["external_id"], r["action"]) for r in batch.summary["results"]] == [
        ("SO-0", "created"),
        ("SO-2", "created"),
        ("SO-1", "updated"),
    ]
    staged = {o.external_id: o for o in Order.objects.filter(source="erp").prefetch_related("lines")}
    events = {e.object_id: e for e in AuditEvent.objects.filter(channel="import")}

    # The same file through order_upsert, one order at a time.
    Order.objects.filter(pk__in=[staged["SO-0"].pk, staged["SO-2"].pk]).delete()
    for row in rows[:2]:
        line = {c: row[c] for c in ("description", "quantity", "unit_price", "tax_rate")}
        order_upsert(
            actor=personas.admin,
            source="erp",
            external_id=row["external_id"],
            company=personas.acme,
            placed_by=personas.alice,
            lines=[line],
        )
    fields = ("direction", "source", "company_id", "placed_by_id", "status", "po_number", "po_status", "currency", "order_date",
              "subtotal", "tax_total", "total", "is_canceled", "flag_updated", "flag_canceled", "import_batch_id")  # fmt: skip
    for external_id in ("SO-0", "SO-2"):
        direct = Order.objects.get(source="erp", external_id=external_id)
        assert [getattr(direct, f) for f in fields] == [getattr(staged[external_id], f) for f in fields]
        cells = ("sku", "description", "quantity", "unit_price", "tax_category", "tax_rate", "unit_code", "line_no")
        assert list(direct.lines.values_list(*cells)) == [tuple(getattr(ln, f) for f in cells) for ln in staged[external_id].lines.all()]
        written = AuditEvent.objects.filter(object_id=str(direct.pk)).get()
        event = events[str(staged[external_id].pk)]
        assert (event.action, event.before, event.after, event.actor_id) == (
            written.action,
            written.before,
            written.after,
            written.actor_id,
        )
    assert events[str(staged["SO-1"].pk)].action == "order.update"


@sqlite_only
@pytest.mark.parametrize("failure", ["placed_by moved", "internal error"])
def test_a_failure_in_publishing_leaves_nothing(personas: Personas, monkeypatch: pytest.MonkeyPatch, failure: str) -> None:
    monkeypatch.setattr(OrderKind, "chunk_size", 2)
    if failure == "placed_by moved":
        # After the last chunk Alice moves to Globex: her orders staged before can no longer be hers; the publish re-checks.
        def move(batch_id: int, rows: int) -> None:
            if rows == 5:
                User.objects.filter(pk=personas.alice.pk).update(company=personas.globex)

        monkeypatch.setattr(services, "between_chunks", move)
    else:

        def broken(entries: list[dict[str, Any]]) -> None:
            assert Order.objects.filter(source="erp").count() == 5  # shown inside the publishing transaction, then rolled back
            raise OSError("disk full")

        monkeypatch.setattr("invoice_portal.imports.staged_orders.audit_record_many", broken)
    rows = _rows(4)
    rows[3] = order_row(external_id="SO-3")  # placed by no one: not affected by Alice's move
    batch = run_import([*rows, order_row(external_id="SO-4")], kind="orders", actor=personas.admin)

    assert batch.status == "failed"
    if failure == "placed_by moved":
        assert {(e["row"], e["column"]) for e in batch.errors} == {(2, "placed_by_email"), (3, "placed_by_email"), (4, "placed_by_email")}
    else:
        assert batch.errors[0]["message"].startswith("The import stopped on an internal error")
    _nothing_left()


@pytest.mark.parametrize("staged", [1, 100])
def test_a_dry_run_reports_and_leaves_nothing(personas: Personas, monkeypatch: pytest.MonkeyPatch, staged: int) -> None:
    monkeypatch.setattr(OrderKind, "chunk_size", staged)
    make_order(company=personas.acme, source="erp", external_id="SO-1")
    before = (Order.all_objects.count(), OrderLine.objects.count(), AuditEvent.objects.count())
    batch = run_import([_rows(2)[0], order_row(external_id="SO-1", unit_price="9.00")], kind="orders", actor=personas.admin, dry_run=True)

    assert batch.status == "succeeded", batch.errors
    assert (batch.summary["created"], batch.summary["updated"]) == (1, 1)
    assert batch.summary["results"][0]["id"] is None  # the order it would have created
    assert (Order.all_objects.count(), OrderLine.objects.count(), AuditEvent.objects.count()) == before
    assert [ln.unit_price for ln in Order.objects.get(external_id="SO-1").lines.all()] == [25, 25]


def test_validation_reports_what_order_upsert_would_refuse(personas: Personas) -> None:
    """A new order is prepared while planning: a total above the largest amount fails the batch before anything is written."""
    batch = run_import(
        [order_row(external_id="SO-BIG", quantity="1000000", unit_price="999999999999")], kind="orders", actor=personas.admin
    )
    assert batch.status == "failed"
    assert batch.errors[0]["message"].startswith("the order total"), batch.errors
    assert not Order.all_objects.filter(external_id="SO-BIG").exists()


@sqlite_only
@pytest.mark.parametrize("after", ["reaped", "next run"])
def test_what_a_killed_order_import_staged_is_deleted(personas: Personas, monkeypatch: pytest.MonkeyPatch, after: str) -> None:
    monkeypatch.setattr(OrderKind, "chunk_size", 2)

    def dies(batch_id: int, rows: int) -> None:
        if rows == 4:
            raise Killed

    monkeypatch.setattr(services, "between_chunks", dies)
    with pytest.raises(Killed):
        run_import(_rows(5), kind="orders", actor=personas.admin)
    monkeypatch.setattr(services, "between_chunks", None)
    assert _batch_orders().count() == 4  # staged, hidden
    assert not Order.objects.filter(source="erp").exists()
    # Its process is gone: a worker on another host that stopped writing its heartbeat long ago.
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(worker="elsewhere:1", heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    batch.refresh_from_db()

    if after == "reaped":
        assert import_batch_reap(batch).status == "failed"
        _nothing_left()
    else:
        again = run_import(_rows(5), kind="orders", actor=personas.admin)
        assert again.status == "succeeded", again.errors
        assert Order.objects.filter(source="erp").count() == 5
        assert not _batch_orders().filter(import_batch_id__isnull=False).exists()
        assert list(ImportBatch.objects.order_by("pk").values_list("status", flat=True)) == ["failed", "succeeded"]
    assert staged_runs()
