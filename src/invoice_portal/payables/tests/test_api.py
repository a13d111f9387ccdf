"""The AP API: flows, and its authorization matrix (role × own supplier / another supplier)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from invoice_portal.api.services import api_token_create
from invoice_portal.api.tests.conftest import ApiClient, problem_of
from invoice_portal.audit.models import AuditEvent
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order, Receipt
from invoice_portal.payables.testing import ApPersonas, flip, make_po, receive_all
from invoice_portal.testing import Personas

pytestmark = pytest.mark.django_db


@dataclass
class World:
    ap: ApPersonas
    p: Personas
    tokens: dict[str, str]
    po: dict[str, Order]  # by supplier key: an open PO
    invoice: dict[str, Invoice]  # by supplier key: an invoice waiting for receiving, entered by that supplier's user
    response: dict[str, SentInvoiceResponse]  # by supplier key: our Invoice Response about ``invoice``
    spare: dict[str, Order]  # by supplier key: an open PO with nothing received or invoiced

    def client(self, who: str) -> ApiClient:
        return ApiClient(self.tokens[who])


@pytest.fixture
def world(ap: ApPersonas, personas: Personas) -> World:
    users = {"admin": personas.admin, "sales": personas.sales, "alice": personas.alice, "clerk": ap.clerk, "approver": ap.approver,
             "sue": ap.sue, "sam": ap.sam, "ivan": ap.ivan}  # fmt: skip
    tokens = {name: api_token_create(actor=None, user=user, name="tests")[1] for name, user in users.items()}
    po = {"northwind": make_po(supplier=ap.northwind, requester=ap.requester), "initech": make_po(supplier=ap.initech)}
    invoice = {
        "northwind": flip(po["northwind"], actor=ap.sue, number="NW-1"),
        "initech": flip(po["initech"], actor=ap.ivan, number="IN-1"),
    }
    response = {  # written directly: who may read them is what these tests are about (the suppliers have no Peppol id)
        key: SentInvoiceResponse.objects.create(
            invoice=inv, code="AB", response_id=f"IR-{key}", issue_date=dt.date(2026, 12, 1), ap_status=inv.ap_status, xml=b"<x/>"
        )
        for key, inv in invoice.items()
    }
    spare = {"northwind": make_po(supplier=ap.northwind), "initech": make_po(supplier=ap.initech)}
    return World(ap, personas, tokens, po, invoice, response, spare)


def test_an_erp_pushes_a_po_twice_and_it_is_updated_not_doubled(world: World) -> None:
    body: dict[str, Any] = {
        "external_id": "ERP-77", "number": "PO-77", "supplier": world.ap.northwind.pk, "requester_email": "req@demo.test",
        "lines": [{"description": "Paper", "quantity": "10", "unit_code": "XPK", "unit_price": "4.50", "tax_rate": "20"}],
    }  # fmt: skip
    first = world.client("admin").post("purchase-orders", body)
    assert first.status == 201, first.body
    assert first.body["lines"][0]["unit_code"] == "XPK"
    assert (first.body["status"], first.body["total"]) == ("open", "54.00")
    body["lines"][0]["quantity"] = "12"
    second = world.client("admin").post("purchase-orders", body)
    assert (second.status, second.body["id"], second.body["total"]) == (200, first.body["id"], "64.80")


def test_a_receipt_over_the_api_releases_the_waiting_invoice(world: World) -> None:
    po = world.po["northwind"]
    lines = [{"order_line": ln.pk, "quantity": str(ln.quantity)} for ln in po.lines.all()]
    reply = world.client("clerk").post("receipts", {"purchase_order": po.pk, "reference": "DN-1", "lines": lines},
                                       headers={"Idempotency-Key": "rcpt-1"})  # fmt: skip
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "received"
    again = world.client("clerk").post("receipts", {"purchase_order": po.pk, "reference": "DN-1", "lines": lines},
                                       headers={"Idempotency-Key": "rcpt-1"})  # fmt: skip
    assert again.status == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert Receipt.objects.filter(order_line__order=po).count() == 2
    assert world.client("sue").get(f"received-invoices/{world.invoice['northwind'].pk}").body["status"] == "accepted"


def test_over_receipt_over_the_api_is_a_409_problem(world: World) -> None:
    po = world.po["northwind"]
    line = po.lines.get(line_no=1)
    reply = world.client("clerk").post("receipts", {"purchase_order": po.pk, "lines": [{"order_line": line.pk, "quantity": "11"}]})
    problem_of(reply, 409, "over_receipt")


def test_a_supplier_flips_a_po_over_the_api_and_a_duplicate_number_is_refused(world: World) -> None:
    po = make_po(supplier=world.ap.northwind)
    receive_all(po)
    lines = [{"description": ln.description, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price), "order_line": ln.pk}
             for ln in po.lines.all()]  # fmt: skip
    reply = world.client("sam").post("received-invoices", {"number": "NW-2", "purchase_order": po.pk, "lines": lines})
    assert reply.status == 201, reply.body
    assert (reply.body["status"], reply.body["supplier"], reply.body["source"]) == ("accepted", world.ap.northwind.pk, "api")
    problem_of(world.client("sam").post("received-invoices", {"number": "NW-2", "purchase_order": po.pk, "lines": lines}), 409,
               "duplicate_supplier_number")  # fmt: skip
    foreign = world.client("ivan").post("received-invoices", {"number": "X-1", "purchase_order": po.pk, "lines": lines})
    problem_of(foreign, 422)
    assert check_books() == []


def test_a_retrofit_over_the_api_needs_a_requester(world: World) -> None:
    lines = [{"description": "Call-out", "quantity": "2", "unit_code": "HUR", "unit_price": "60.00"}]
    problem_of(world.client("clerk").post("received-invoices", {"number": "R-1", "supplier": world.ap.northwind.pk, "lines": lines}), 422)
    reply = world.client("clerk").post(
        "received-invoices", {"number": "R-1", "supplier": world.ap.northwind.pk, "requester_email": "req@demo.test", "lines": lines}
    )
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "pending_initial_acceptance"
    assert Order.objects.get(pk=reply.body["purchase_order"]).source == "retrofit"


def test_only_the_creator_cancels_over_the_api(world: World) -> None:
    invoice = world.invoice["northwind"]
    problem_of(world.client("sam").post(f"received-invoices/{invoice.pk}/cancel", {}), 403, "not_the_creator")
    reply = world.client("sue").post(f"received-invoices/{invoice.pk}/cancel", {"reason": "wrong PO"})
    assert (reply.status, reply.body["status"], reply.body["reason"]) == (200, "canceled", "wrong PO")


def test_ap_closes_a_po_over_the_api_and_cannot_cancel_one_with_invoices(world: World) -> None:
    clerk = world.client("clerk")
    problem_of(clerk.post(f"purchase-orders/{world.po['northwind'].pk}/cancel", {}), 409, "invalid_transition")
    reply = clerk.post(f"purchase-orders/{world.po['northwind'].pk}/close", {})
    assert (reply.status, reply.body["status"]) == (200, "closed")
    problem_of(clerk.post(f"purchase-orders/{world.po['northwind'].pk}/close", {}), 409, "invalid_transition")
    reply = clerk.post(f"purchase-orders/{world.spare['initech'].pk}/cancel", {})
    assert (reply.status, reply.body["status"]) == (200, "canceled")
    assert AuditEvent.objects.filter(action="purchase_order.cancel", object_id=str(world.spare["initech"].pk)).exists()
    problem_of(clerk.post("purchase-orders/999999/close", {}), 404, "not_found")


def test_the_inbox_filters_by_status_supplier_and_amount(world: World) -> None:
    clerk = world.client("clerk")
    assert {i["number"] for i in clerk.get("received-invoices?status=pending_receiving").body["items"]} == {"NW-1", "IN-1"}
    assert [i["number"] for i in clerk.get("received-invoices?supplier=Northwind").body["items"]] == ["NW-1"]
    assert clerk.get("received-invoices?amount_min=250.01").body["items"] == []
    assert [i["number"] for i in world.client("sue").get("received-invoices").body["items"]] == ["NW-1"]


# --- The matrix ---------------------------------------------------------------------------------------

STAFF = {"admin": {"ap.view", "integrations.manage"}, "sales": set(), "clerk": {"ap.view", "ap.enter", "ap.receive"},
         "approver": {"ap.view"}}  # fmt: skip
SUPPLIERS = {"sue": "northwind", "ivan": "initech"}
OTHER = {"northwind": "initech", "initech": "northwind"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World, str], str]
    body: Callable[[World, str], Any] | None = None
    staff_perm: str | None = None
    supplier: str = ""  # "list", "read" (own 200 / other 404), "write" (own ok / other 404 or 422); "": 403
    ok: int = 200
    other: int = 404


def _lines(po: Order) -> list[dict[str, Any]]:
    return [
        {"description": ln.description, "quantity": "1", "unit_price": str(ln.unit_price), "order_line": ln.pk} for ln in po.lines.all()
    ]


ENDPOINTS = [
    Endpoint("list POs", "GET", lambda w, s: "purchase-orders", staff_perm="ap.view", supplier="list"),
    Endpoint("get PO", "GET", lambda w, s: f"purchase-orders/{w.po[s].pk}", staff_perm="ap.view", supplier="read"),
    Endpoint("upsert PO", "POST", lambda w, s: "purchase-orders",
             lambda w, s: {"external_id": "N-1", "supplier": w.po[s].company_id, "lines": [{"description": "x", "unit_price": "1.00"}]},
             staff_perm="integrations.manage", ok=201),
    Endpoint("record receipt", "POST", lambda w, s: "receipts",
             lambda w, s: {"purchase_order": w.po[s].pk, "lines": [{"order_line": w.po[s].lines.first().pk, "quantity": "1"}]},  # type: ignore[union-attr]
             staff_perm="ap.receive", ok=201),
    Endpoint("list received", "GET", lambda w, s: "received-invoices", staff_perm="ap.view", supplier="list"),
    Endpoint("get received", "GET", lambda w, s: f"received-invoices/{w.invoice[s].pk}", staff_perm="ap.view", supplier="read"),
    Endpoint("create received", "POST", lambda w, s: "received-invoices",
             lambda w, s: {"number": "NEW-1", "supplier": w.po[s].company_id, "purchase_order": w.po[s].pk, "lines": _lines(w.po[s])},
             staff_perm="ap.enter", supplier="write", ok=201, other=422),
    Endpoint("received responses", "GET", lambda w, s: f"received-invoices/{w.invoice[s].pk}/responses", staff_perm="ap.view",
             supplier="read"),
    Endpoint("received response XML", "GET", lambda w, s: f"received-invoices/{w.invoice[s].pk}/responses/{w.response[s].pk}/xml",
             staff_perm="ap.view", supplier="read"),
    Endpoint("close PO", "POST", lambda w, s: f"purchase-orders/{w.po[s].pk}/close", staff_perm="ap.enter"),
    Endpoint("cancel PO", "POST", lambda w, s: f"purchase-orders/{w.spare[s].pk}/cancel", staff_perm="ap.enter"),
    Endpoint("cancel received", "POST", lambda w, s: f"received-invoices/{w.invoice[s].pk}/cancel", lambda w, s: {},
             staff_perm="ap.enter", supplier="write", ok=200, other=404),
]  # fmt: skip


def _expected(e: Endpoint, who: str, scope: str) -> int:
    if who in STAFF:
        if e.staff_perm not in STAFF[who]:
            return 403
        # The clerk did not enter the supplier's invoice: only its creator cancels it.
        return 403 if e.name == "cancel received" else e.ok
    if who == "alice" or not e.supplier:
        return 403
    if e.supplier == "list":
        return 200
    return e.ok if scope == "own" else e.other


def _state() -> tuple[Any, ...]:
    return (AuditEvent.objects.count(), Invoice.objects.count(), Order.objects.count(), Receipt.objects.count(),
            tuple(Order.objects.order_by("pk").values_list("po_status", flat=True)),
            tuple(Invoice.objects.order_by("pk").values_list("ap_status", flat=True)))  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_ap_endpoint_by_role_and_supplier(endpoint: Endpoint, world: World) -> None:
    mismatches = []
    for who in (*STAFF, "alice", *SUPPLIERS):
        for scope in ("own", "other"):
            own = SUPPLIERS.get(who, "northwind")
            key = own if scope == "own" else OTHER[own]
            expected = _expected(endpoint, who, scope)
            with transaction.atomic():
                before = _state()
                reply = world.client(who).call(
                    endpoint.method, endpoint.path(world, key), endpoint.body(world, key) if endpoint.body else None
                )
                after = _state()
                transaction.set_rollback(True)
            if reply.status != expected:
                mismatches.append((who, scope, expected, reply.status, reply.body))
            elif reply.status >= 400:
                assert reply.content_type.startswith("application/problem+json")
                assert before == after, f"{who}/{scope}: a refused {endpoint.name} changed something"
            elif endpoint.method == "GET" and who in SUPPLIERS:
                body = reply.body
                items = body if isinstance(body, list) else body.get("items", [body]) if isinstance(body, dict) else []
                assert all(i["supplier"] == getattr(world.ap, SUPPLIERS[who]).pk for i in items), (who, items)
    assert not mismatches, mismatches


def test_the_ap_matrix_covers_every_ap_operation() -> None:
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    ops = {(m.upper(), p) for p, methods in schema["paths"].items() for m in methods
           if p.startswith(("/api/v1/purchase-orders", "/api/v1/receipts", "/api/v1/received-invoices"))}  # fmt: skip
    assert len(ops) == len(ENDPOINTS), sorted(ops)
