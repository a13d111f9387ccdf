"""Authorization matrix: every endpoint × every persona × own company / another company.

Seller staff may do exactly what their role's permission codes allow (any company); company
users read only what ``invoices_visible_to`` grants and may dispute lines of those invoices;
everything else is 403, and objects outside their scope are 404. Import batches are the one
seller resource scoped by author rather than by company: a seller sees the batches they started,
with ``integrations.manage`` every batch. A refused call changes nothing: no audit event, no
row. Each call runs in a savepoint that is rolled back, so every persona meets the same books.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum

from invoice_portal.accounts.permissions import BUILTIN_ROLES
from invoice_portal.api.tests.conftest import PERSONAS, ApiClient
from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.documents.models import SentInvoiceResponse
from invoice_portal.documents.services import attachment_create
from invoice_portal.events.models import EventType
from invoice_portal.imports.models import ImportBatch
from invoice_portal.imports.selectors import import_batches_visible_to
from invoice_portal.imports.services import import_batch_create, import_batch_run
from invoice_portal.invoices.models import Dispute, Invoice, InvoiceLine
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.invoices.services import credit_note_create, dispute_open, invoice_hold
from invoice_portal.notifications.models import Message
from invoice_portal.orders.models import Order
from invoice_portal.payables.models import TransactionRun
from invoice_portal.payables.services.transaction_runs import transaction_run_create
from invoice_portal.payables.testing import flip, make_po, receive_all
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.testing import Personas, make_company, make_invoice, make_order, pay
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db

SELLERS = ("admin", "finance", "sales")
SELLER_PERMS = {spec.code: set(spec.grants) for spec in BUILTIN_ROLES}
BUYER_COMPANY = {"alice": "acme", "bob": "acme", "carol": "acme", "walt": "acme_west", "charlie": "globex"}
OTHER_COMPANY = {"alice": "globex", "bob": "globex", "carol": "globex", "walt": "acme", "charlie": "acme"}


@dataclass
class Books:
    company: Company
    order: Order
    fresh_order: Order
    invoice: Invoice  # open, nothing allocated
    invoice2: Invoice  # partially paid by ``payment``, one line disputed, on hold
    draft: Invoice
    credit: Invoice  # issued credit note, nothing applied
    payment: Payment  # 30.00: 10.00 allocated to invoice2, 20.00 on account
    dispute: Dispute
    batch: ImportBatch  # a finished dry-run payments import, started by Finance
    webhook: WebhookEndpoint  # subscribed to every event type (endpoints are the seller's, not a company's)
    delivery: WebhookDelivery  # a failed delivery to ``webhook``
    po: Order  # a purchase order to a supplier of ours
    received: Invoice  # a received invoice on it (AP intake; supplier tokens: payables/tests/test_api.py)
    run: TransactionRun  # a transaction run (one more accepted invoice waits for the next run)
    response: SentInvoiceResponse  # an Invoice Response to the supplier about ``received``


def _payment_rows(company: Company, external_id: str) -> list[dict[str, str]]:
    return [{"external_id": external_id, "company_external_id": company.external_id or "", "amount": "5.00", "method": "cash"}]


def _import_batch(company: Company, staff: Any) -> ImportBatch:
    payload = json.dumps({"kind": "payments", "rows": _payment_rows(company, "PAY-BOOKS")}).encode()
    batch = import_batch_create(actor=staff, kind="payments", fmt="json", payload=payload, dry_run=True)
    return import_batch_run(batch_id=batch.pk)


def _accepted_received(supplier: Company) -> Invoice:
    accepted_po = make_po(supplier=supplier)
    receive_all(accepted_po)
    return flip(accepted_po, actor=None)


def _books(company: Company, buyer: Any, staff: Any) -> Books:
    webhook = webhook_endpoint_create(actor=None, url="http://127.0.0.1:9/books", event_types=EventType.values)
    order = make_order(company=company, placed_by=buyer)
    invoice = make_invoice(company=company, order=order, lines=2, amount="50.00")
    invoice2 = make_invoice(company=company, order=make_order(company=company, placed_by=buyer), lines=2, amount="50.00")
    payment = pay(company=company, invoices=[(invoice2, "10.00")], amount="30.00")
    credit = credit_note_create(actor=None, invoice=invoice2, amount="5.00", apply=False)
    dispute = dispute_open(actor=buyer, line=InvoiceLine.objects.get(invoice=invoice2, line_no=1), reason="price", text="too dear")
    invoice_hold(actor=staff, invoice=invoice2, reason="Payment plan")
    po = make_po(supplier=make_company(name=f"{company.name} Supplies", is_supplier=True, is_customer=False))
    attachment_create(actor=None, invoice=invoice, content=b"<Invoice/>", filename="original.xml", content_type="application/xml")
    _accepted_received(po.company)
    run = transaction_run_create(actor=None)  # exports that one
    _accepted_received(po.company)  # waits for the next run
    draft_order = make_order(company=company, placed_by=buyer)  # one invoice per order (the default setting)
    received = flip(po, actor=None)
    response = SentInvoiceResponse.objects.create(
        invoice=received,
        code="AB",
        response_id=f"IR-{received.pk}-books",
        issue_date=dt.date(2026, 12, 1),
        ap_status=received.ap_status,
        xml=b"<ApplicationResponse/>",
    )  # written directly: access is what this test is about (the suppliers here have no Peppol id)
    return Books(
        company=company, order=order, fresh_order=make_order(company=company, placed_by=buyer), invoice=invoice,
        invoice2=invoice2, draft=make_invoice(company=company, status="draft", order=draft_order), credit=credit, payment=payment,
        dispute=dispute, batch=_import_batch(company, staff), webhook=webhook, delivery=_failed_delivery(webhook),
        po=po, received=received, run=run, response=response,
    )  # fmt: skip


def _failed_delivery(webhook: WebhookEndpoint) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.filter(endpoint=webhook).order_by("pk").first()
    assert delivery is not None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    return delivery


@pytest.fixture
def world(personas: Personas) -> dict[str, Books]:
    return {
        "acme": _books(personas.acme, personas.alice, personas.finance),
        "acme_west": _books(personas.acme_west, personas.walt, personas.finance),
        "globex": _books(personas.globex, personas.charlie, personas.finance),
    }


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[Books], str]
    body: Callable[[Books], Any] | None = None
    seller_perm: str | tuple[str, ...] | None = None  # every code needed; None: no seller may call it
    ok: int = 200
    buyer: str = ""  # "list": scoped list; "read": scoped read; "dispute": scoped dispute; "": refused
    sellers: dict[str, int] | None = None  # per seller persona, where the scope is the author, not a permission


# Import batches: any seller may list theirs; Finance started the books' batch, Admin sees every batch.
BATCH_LIST = {"admin": 200, "finance": 200, "sales": 200}
BATCH_READ = {"admin": 200, "finance": 200, "sales": 404}


ENDPOINTS = [
    Endpoint("list companies", "GET", lambda b: "companies", seller_perm="customers.view"),
    Endpoint("create company", "POST", lambda b: "companies", lambda b: {"name": "New Co"}, "customers.edit", 201),
    Endpoint("get company", "GET", lambda b: f"companies/{b.company.pk}", seller_perm="customers.view"),
    Endpoint("update company", "PATCH", lambda b: f"companies/{b.company.pk}", lambda b: {"city": "X"}, "customers.edit"),
    Endpoint("company balance", "GET", lambda b: f"companies/{b.company.pk}/balance", seller_perm="customers.view"),
    Endpoint("list orders", "GET", lambda b: "orders", seller_perm="orders.view"),
    Endpoint(
        "upsert order",
        "POST",
        lambda b: "orders",
        lambda b: {"source": "api", "external_id": "NEW-1", "company": b.company.pk, "lines": [{"description": "x", "unit_price": "1.00"}]},
        "integrations.manage",
        201,
    ),
    Endpoint("get order", "GET", lambda b: f"orders/{b.order.pk}", seller_perm="orders.view"),
    Endpoint("update order", "PATCH", lambda b: f"orders/{b.order.pk}", lambda b: {"status": "shipped"}, "integrations.manage"),
    Endpoint("cancel order", "POST", lambda b: f"orders/{b.order.pk}/cancel", lambda b: {}, "integrations.manage"),
    Endpoint("acknowledge order", "POST", lambda b: f"orders/{b.order.pk}/acknowledge", None, "orders.acknowledge"),
    Endpoint("invoice order", "POST", lambda b: f"orders/{b.fresh_order.pk}/invoice", lambda b: {}, "orders.invoice", 201),
    Endpoint("list invoices", "GET", lambda b: "invoices", seller_perm="invoices.view", buyer="list"),
    Endpoint(
        "create invoice",
        "POST",
        lambda b: "invoices",
        lambda b: {"company": b.company.pk, "lines": [{"description": "x", "unit_price": "1.00"}]},
        "invoices.create",
        201,
    ),
    Endpoint("get invoice", "GET", lambda b: f"invoices/{b.invoice.pk}", seller_perm="invoices.view", buyer="read"),
    Endpoint(
        "edit invoice",
        "PATCH",
        lambda b: f"invoices/{b.invoice.pk}",
        lambda b: {"lines": [{"description": "x", "unit_price": "2.00"}]},
        "invoices.edit",
    ),
    Endpoint("delete invoice", "DELETE", lambda b: f"invoices/{b.invoice.pk}", None, "invoices.delete"),
    Endpoint("issue invoice", "POST", lambda b: f"invoices/{b.draft.pk}/issue", lambda b: {}, "invoices.issue"),
    Endpoint("cancel invoice", "POST", lambda b: f"invoices/{b.invoice.pk}/cancel", lambda b: {}, "invoices.delete"),
    Endpoint("send invoice", "POST", lambda b: f"invoices/{b.invoice.pk}/send", lambda b: {}, "invoices.send", 202),
    Endpoint("remind invoice", "POST", lambda b: f"invoices/{b.invoice.pk}/remind", lambda b: {}, "invoices.send", 202),
    Endpoint("invoice original", "GET", lambda b: f"invoices/{b.invoice.pk}/original", seller_perm="invoices.view"),
    Endpoint("invoice responses", "GET", lambda b: f"invoices/{b.invoice.pk}/responses", seller_perm="invoices.view"),
    # Past the permission check, a JSON body is refused (400): an Invoice Response is XML.
    Endpoint("receive invoice response", "POST", lambda b: "invoice-responses", lambda b: {"code": "AP"}, "invoices.edit", 400),
    Endpoint("invoice messages", "GET", lambda b: f"invoices/{b.invoice.pk}/messages", seller_perm="invoices.view"),
    Endpoint("hold invoice", "POST", lambda b: f"invoices/{b.invoice.pk}/hold", lambda b: {"reason": "plan"}, "payments.record"),
    Endpoint("release hold", "DELETE", lambda b: f"invoices/{b.invoice2.pk}/hold", None, "payments.record"),
    Endpoint("credit note", "POST", lambda b: f"invoices/{b.invoice.pk}/credit-note", lambda b: {"amount": "1.00"}, "memos.create", 201),
    Endpoint(
        "apply credit",
        "POST",
        lambda b: f"invoices/{b.credit.pk}/apply-credit",
        lambda b: {"allocations": [{"invoice": b.invoice.pk, "amount": "1.00"}]},
        "memos.create",
    ),
    Endpoint(
        "dispute line",
        "POST",
        lambda b: f"invoices/{b.invoice.pk}/lines/1/dispute",
        lambda b: {"reason": "damaged", "text": "broken"},
        None,
        201,
        buyer="dispute",
    ),
    Endpoint("list disputes", "GET", lambda b: "disputes", seller_perm="invoices.view"),
    Endpoint("get dispute", "GET", lambda b: f"disputes/{b.dispute.pk}", seller_perm="invoices.view"),
    Endpoint(
        "resolve dispute",
        "POST",
        lambda b: f"disputes/{b.dispute.pk}/resolve",
        lambda b: {"resolution": "reject", "comment": "no"},
        "disputes.resolve",
    ),
    Endpoint("list payments", "GET", lambda b: "payments", seller_perm="payments.view"),
    Endpoint(
        "record payment",
        "POST",
        lambda b: "payments",
        lambda b: {
            "company": b.company.pk,
            "amount": "5.00",
            "currency": "USD",
            "method": "cash",
            "allocations": [{"invoice": b.invoice.pk, "amount": "5.00"}],
        },
        "payments.record",
        201,
    ),
    Endpoint("get payment", "GET", lambda b: f"payments/{b.payment.pk}", seller_perm="payments.view"),
    Endpoint("refund payment", "POST", lambda b: f"payments/{b.payment.pk}/refund", lambda b: {"amount": "1.00"}, "payments.refund"),
    Endpoint("reverse payment", "POST", lambda b: f"payments/{b.payment.pk}/reverse", lambda b: {}, "payments.refund"),
    Endpoint(
        "allocate payment",
        "POST",
        lambda b: f"payments/{b.payment.pk}/allocate",
        lambda b: {"allocations": [{"invoice": b.invoice.pk, "amount": "1.00"}]},
        "payments.record",
    ),
    Endpoint("audit events", "GET", lambda b: f"audit-events?object_type=invoice&object_id={b.invoice.pk}", seller_perm="invoices.view"),
    Endpoint(
        "import payments",
        "POST",
        lambda b: "imports",
        lambda b: {"kind": "payments", "rows": _payment_rows(b.company, "PAY-NEW")},
        ("payments.record",),
    ),
    Endpoint("list imports", "GET", lambda b: "imports", sellers=BATCH_LIST),
    Endpoint("get import", "GET", lambda b: f"imports/{b.batch.pk}", sellers=BATCH_READ),
    Endpoint("export invoices", "GET", lambda b: "invoices/export.csv", seller_perm="invoices.export", buyer="list"),
    Endpoint("export payments", "GET", lambda b: "payments/export.csv", seller_perm=("payments.view", "invoices.export")),
    Endpoint("export payment allocations", "GET", lambda b: "payments/allocations.csv", seller_perm=("payments.view", "invoices.export")),
    # The change feed: seller staff who see invoices, payments and orders; company users are refused (events/api.py).
    Endpoint("change feed", "GET", lambda b: "events", seller_perm=("invoices.view", "payments.view", "orders.view")),
    Endpoint("list webhook endpoints", "GET", lambda b: "webhook-endpoints", seller_perm="integrations.manage"),
    Endpoint(
        "create webhook endpoint",
        "POST",
        lambda b: "webhook-endpoints",
        lambda b: {"url": "http://127.0.0.1:9/new", "event_types": ["invoice.paid"]},
        "integrations.manage",
        201,
    ),
    Endpoint("get webhook endpoint", "GET", lambda b: f"webhook-endpoints/{b.webhook.pk}", seller_perm="integrations.manage"),
    Endpoint("webhook secret", "GET", lambda b: f"webhook-endpoints/{b.webhook.pk}/secret", seller_perm="integrations.manage"),
    Endpoint(
        "update webhook endpoint",
        "PATCH",
        lambda b: f"webhook-endpoints/{b.webhook.pk}",
        lambda b: {"enabled": False},
        "integrations.manage",
    ),
    Endpoint("rotate webhook secret", "POST", lambda b: f"webhook-endpoints/{b.webhook.pk}/rotate-secret", None, "integrations.manage"),
    Endpoint("delete webhook endpoint", "DELETE", lambda b: f"webhook-endpoints/{b.webhook.pk}", None, "integrations.manage", 204),
    Endpoint("webhook deliveries", "GET", lambda b: f"webhook-endpoints/{b.webhook.pk}/deliveries", seller_perm="integrations.manage"),
    Endpoint(
        "webhook delivery",
        "GET",
        lambda b: f"webhook-endpoints/{b.webhook.pk}/deliveries/{b.delivery.pk}",
        seller_perm="integrations.manage",
    ),
    Endpoint(
        "retry webhook delivery",
        "POST",
        lambda b: f"webhook-endpoints/{b.webhook.pk}/deliveries/{b.delivery.pk}/retry",
        None,
        "integrations.manage",
    ),
    Endpoint(
        "replay webhook delivery",
        "POST",
        lambda b: f"webhook-endpoints/{b.webhook.pk}/deliveries/{b.delivery.pk}/replay",
        None,
        "integrations.manage",
        201,
    ),
    Endpoint("list purchase orders", "GET", lambda b: "purchase-orders", seller_perm="ap.view"),
    Endpoint("get purchase order", "GET", lambda b: f"purchase-orders/{b.po.pk}", seller_perm="ap.view"),
    Endpoint(
        "upsert purchase order",
        "POST",
        lambda b: "purchase-orders",
        lambda b: {"external_id": "PO-NEW", "supplier": b.po.company_id, "lines": [{"description": "x", "unit_price": "1.00"}]},
        "integrations.manage",
        201,
    ),
    Endpoint("close purchase order", "POST", lambda b: f"purchase-orders/{b.po.pk}/close", None, "ap.enter"),
    Endpoint("cancel purchase order", "POST", lambda b: f"purchase-orders/{b.po.pk}/cancel", None, "ap.enter"),
    Endpoint(
        "record receipt",
        "POST",
        lambda b: "receipts",
        lambda b: {"purchase_order": b.po.pk, "lines": [{"order_line": b.po.lines.first().pk, "quantity": "1"}]},  # type: ignore[union-attr]
        "ap.receive",
        201,
    ),
    Endpoint("list received invoices", "GET", lambda b: "received-invoices", seller_perm="ap.view"),
    Endpoint("get received invoice", "GET", lambda b: f"received-invoices/{b.received.pk}", seller_perm="ap.view"),
    Endpoint(
        "create received invoice",
        "POST",
        lambda b: "received-invoices",
        lambda b: {
            "number": "S-NEW",
            "supplier": b.po.company_id,
            "purchase_order": b.po.pk,
            "lines": [{"description": "x", "unit_price": "5.00", "order_line": b.po.lines.first().pk}],  # type: ignore[union-attr]
        },
        "ap.enter",
        201,
    ),
    Endpoint("received invoice's responses", "GET", lambda b: f"received-invoices/{b.received.pk}/responses", seller_perm="ap.view"),
    Endpoint(
        "received invoice's response XML",
        "GET",
        lambda b: f"received-invoices/{b.received.pk}/responses/{b.response.pk}/xml",
        seller_perm="ap.view",
    ),
    Endpoint("cancel received invoice", "POST", lambda b: f"received-invoices/{b.received.pk}/cancel", lambda b: {}, "ap.enter"),
    Endpoint("list transaction runs", "GET", lambda b: "transaction-runs", seller_perm="ap.export"),
    Endpoint("get transaction run", "GET", lambda b: f"transaction-runs/{b.run.pk}", seller_perm="ap.export"),
    Endpoint("download transaction run CSV", "GET", lambda b: f"transaction-runs/{b.run.pk}/csv", seller_perm="ap.export"),
    Endpoint("download transaction run JSON", "GET", lambda b: f"transaction-runs/{b.run.pk}/json", seller_perm="ap.export"),
    Endpoint("download transaction run UBL zip", "GET", lambda b: f"transaction-runs/{b.run.pk}/ubl", seller_perm="ap.export"),
    Endpoint("start transaction run", "POST", lambda b: "transaction-runs", lambda b: {}, "ap.export", 201),
]


def _expected(endpoint: Endpoint, persona: str, scope: str) -> int:
    if persona in SELLERS:
        if endpoint.sellers is not None:
            return endpoint.sellers[persona]
        codes = (endpoint.seller_perm,) if isinstance(endpoint.seller_perm, str) else endpoint.seller_perm
        allowed = codes is not None and set(codes) <= SELLER_PERMS[persona]
        return endpoint.ok if allowed else 403
    if not endpoint.buyer:
        return 403
    if endpoint.buyer == "list":
        return 200
    return endpoint.ok if scope == "own" else 404


def _state() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(), Invoice.objects.count(), Payment.objects.count(), Order.objects.count(), Message.objects.count(),
        Company.objects.count(), Dispute.objects.count(), Allocation.objects.aggregate(s=Sum("amount"))["s"],
        tuple(Invoice.objects.order_by("pk").values_list("status", "total", "version", "on_hold")),
        tuple(Payment.objects.order_by("pk").values_list("status", "refunded_amount")),
        tuple(Dispute.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Order.objects.order_by("pk").values_list("status", "is_canceled", "flag_updated", "flag_canceled", "po_status")),
        tuple(Company.objects.order_by("pk").values_list("city", flat=True)),
        tuple(ImportBatch.objects.order_by("pk").values_list("status", "rows_done", "finished_at")),
        tuple(WebhookEndpoint.objects.order_by("pk").values_list("url", "enabled", "secret_encrypted", "event_types")),
        tuple(WebhookDelivery.objects.order_by("pk").values_list("status", "attempts")),
    )  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_endpoint_by_role_and_company(endpoint: Endpoint, world: dict[str, Books], personas: Personas, tokens: dict[str, str]) -> None:
    outcomes: dict[tuple[str, str], int] = {}
    mismatches = []
    for persona in PERSONAS:
        for scope in ("own", "other"):
            company_key = ("acme" if scope == "own" else "globex") if persona in SELLERS else (
                BUYER_COMPANY[persona] if scope == "own" else OTHER_COMPANY[persona]
            )  # fmt: skip
            books = world[company_key]
            expected = _expected(endpoint, persona, scope)
            with transaction.atomic():
                before = _state()
                reply = ApiClient(tokens[persona]).call(
                    endpoint.method, endpoint.path(books), endpoint.body(books) if endpoint.body else None
                )
                after = _state()
                transaction.set_rollback(True)
            outcomes[(persona, scope)] = reply.status
            if reply.status != expected:
                mismatches.append((persona, scope, expected, reply.status, reply.body))
                continue
            if reply.status >= 400:
                assert reply.content_type.startswith("application/problem+json")
                assert before == after, f"{persona}/{scope}: a refused {endpoint.name} changed something"
            elif endpoint.method == "GET":
                _assert_no_leak(endpoint, persona, reply.body, world, personas)
    assert not mismatches, mismatches


def _assert_no_leak(endpoint: Endpoint, persona: str, body: Any, world: dict[str, Books], personas: Personas) -> None:
    user = getattr(personas, persona)
    if persona in SELLERS:
        if endpoint.name == "list imports":
            listed = {item["id"] for item in body["items"]}
            assert listed == set(import_batches_visible_to(user).values_list("pk", flat=True)), (persona, listed)
            assert (persona == "sales") == (not listed), "Sales started no batch; Finance and Admin see the books' batches"
        return
    if endpoint.name in ("list invoices", "export invoices"):
        if endpoint.name == "list invoices":
            listed = {item["id"] for item in body["items"]}
            visible = set(invoices_visible_to(user, "portal.view").values_list("pk", flat=True))
        else:
            listed = {int(row["id"]) for row in csv.DictReader(io.StringIO(body.decode()))}
            visible = set(invoices_visible_to(user, "portal.export").values_list("pk", flat=True))
        assert listed, persona
        assert listed == visible, (persona, listed, visible)
        foreign = set(Invoice.objects.filter(company=world[OTHER_COMPANY[persona]].company).values_list("pk", flat=True))
        assert not listed & foreign
    if endpoint.name == "get invoice":
        assert body["company"] == world[BUYER_COMPANY[persona]].company.pk
        assert body["audit"] is None, "the seller's change history is not shown to customers"


def test_the_matrix_covers_every_operation_of_the_api() -> None:
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, methods in schema["paths"].items() for m in methods}
    assert len(ENDPOINTS) == len(operations), sorted(operations)


def test_a_company_admin_sees_the_subsidiary_but_its_buyer_not_the_parent(world: dict[str, Books], tokens: dict[str, str]) -> None:
    west = world["acme_west"].invoice.pk
    acme = world["acme"].invoice.pk
    assert ApiClient(tokens["carol"]).get(f"invoices/{west}").status == 200
    assert ApiClient(tokens["bob"]).get(f"invoices/{west}").status == 404
    assert ApiClient(tokens["walt"]).get(f"invoices/{acme}").status == 404


def test_a_buyer_sees_only_the_invoices_of_orders_they_placed(world: dict[str, Books], personas: Personas, tokens: dict[str, str]) -> None:
    bobs = make_invoice(company=personas.acme, order=make_order(company=personas.acme, placed_by=personas.bob))
    assert ApiClient(tokens["alice"]).get(f"invoices/{bobs.pk}").status == 404
    assert ApiClient(tokens["bob"]).get(f"invoices/{bobs.pk}").status == 200
    assert bobs.pk not in {i["id"] for i in ApiClient(tokens["alice"]).get("invoices?limit=200").body["items"]}


def test_no_buyer_ever_sees_a_draft(world: dict[str, Books], tokens: dict[str, str]) -> None:
    for persona in ("alice", "bob", "carol", "walt", "charlie"):
        draft = world[BUYER_COMPANY[persona]].draft.pk
        assert ApiClient(tokens[persona]).get(f"invoices/{draft}").status == 404
        assert ApiClient(tokens[persona]).get("invoices?status=draft").body["items"] == []


def test_a_buyer_without_payment_history_gets_no_allocations(world: dict[str, Books], personas: Personas, tokens: dict[str, str]) -> None:
    from invoice_portal.accounts.models import Role
    from invoice_portal.accounts.services import role_set_permission

    invoice2 = world["acme"].invoice2.pk
    assert ApiClient(tokens["bob"]).get(f"invoices/{invoice2}").body["allocations"]
    role_set_permission(
        actor=personas.admin, role=Role.objects.get(code="accounts_payable"), permission="portal.payment_history", enabled=False
    )
    assert ApiClient(tokens["bob"]).get(f"invoices/{invoice2}").body["allocations"] is None


def test_a_role_change_takes_effect_on_the_next_call(world: dict[str, Books], personas: Personas, tokens: dict[str, str]) -> None:
    from invoice_portal.accounts.models import Role
    from invoice_portal.accounts.services import role_set_permission

    assert ApiClient(tokens["sales"]).get("invoices").status == 200
    role_set_permission(actor=personas.admin, role=Role.objects.get(code="sales"), permission="invoices.view", enabled=False)
    assert ApiClient(tokens["sales"]).get("invoices").status == 403
    role_set_permission(actor=personas.admin, role=Role.objects.get(code="buyer"), permission="portal.view", enabled=False)
    assert ApiClient(tokens["alice"]).get("invoices").status == 403
