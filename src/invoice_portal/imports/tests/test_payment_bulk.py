"""New payments of an import are written in bulk (``payments_record_many``) with exactly what ``payment_record`` writes.

Each comparison runs the same thing twice in one database, rolled back in between: once through the bulk path,
once through ``payment_record`` per payment (as imports did before), and compares every row written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction

from invoice_portal.audit.models import AuditEvent
from invoice_portal.core.errors import DomainError
from invoice_portal.events.models import Event, EventType
from invoice_portal.imports.errors import ErrorLog
from invoice_portal.imports.kinds.base import Results
from invoice_portal.imports.kinds.payments import PaymentKind, PaymentPlan
from invoice_portal.imports.reader import BatchReader
from invoice_portal.imports.services import _chunks
from invoice_portal.imports.tests.helpers import allocation_row, csv_text, invoice_row, payment_row, run_import
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, InvoiceLine
from invoice_portal.invoices.services.disputes import dispute_open
from invoice_portal.notifications.models import Message
from invoice_portal.payments.bulk import payments_record_many
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.services import payment_prepare, payment_record
from invoice_portal.testing import Personas, database_state, pay
from invoice_portal.webhooks.models import WebhookDelivery
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def _one_by_one(self: PaymentKind, plans: Sequence[PaymentPlan], errors: ErrorLog, results: Results) -> None:
    """How an import recorded new payments before the bulk path: ``payment_record`` each, in a savepoint."""
    for plan in plans:
        try:
            with transaction.atomic():
                payment = payment_record(actor=self.actor, allocations=plan.allocations, **plan.arguments)
        except DomainError as exc:
            self.locate(exc, plan.document, errors, line_rows=plan.allocation_rows)
            continue
        results.record(
            rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=payment.pk
        )


@pytest.fixture
def invoices(personas: Personas) -> dict[str, Invoice]:
    rows = [
        *(
            row
            for ext in ("ERP-1", "ERP-2", "ERP-3")
            for row in (
                invoice_row(external_id=ext, unit_price="60.00"),
                invoice_row(external_id=ext, description="Gadget", unit_price="40.00"),
            )
        ),
        invoice_row(external_id="ERP-W", company="ACME-W", unit_price="30.00"),
        invoice_row(external_id="ERP-4", unit_price="500.00"),
    ]
    batch = run_import(rows)
    assert batch.status == "succeeded", batch.errors
    found = {i.external_id or "": i for i in Invoice.objects.all()}
    dispute_open(actor=personas.alice, line=found["ERP-3"].lines.order_by("line_no")[1], reason="price", text="too much")
    webhook_endpoint_create(actor=None, url="http://127.0.0.1:9/hook", event_types=EventType.values)
    return found


def _file(invoices: dict[str, Invoice]) -> list[dict[str, str]]:
    return [
        # ERP-1 paid in full and half of ERP-2, by number; then the rest of ERP-2 (the same invoice twice in one chunk)
        payment_row(external_id="PAY-1", amount="180.00", invoice_external_id="ERP-1", allocation_amount="100.00"),
        allocation_row(external_id="PAY-1", invoice_number=invoices["ERP-2"].number or "", allocation_amount="50.00"),
        payment_row(
            external_id="PAY-2", amount="50.00", method="check", reference="CHK 9", invoice_external_id="ERP-2", allocation_amount="50.00"
        ),
        payment_row(external_id="PAY-OLD", amount="300.00", invoice_external_id="ERP-4", allocation_amount="200.00"),
        payment_row(external_id="PAY-3", amount="7.50", method="cash", received_on="2026-11-20"),  # credit on account only
        payment_row(external_id="PAY-4", amount="30.00", invoice_external_id="ERP-W", allocation_amount="30.00"),  # the parent pays
        payment_row(external_id="PAY-5", amount="70.00", invoice_external_id="ERP-3", allocation_amount="70.00"),  # a disputed line
        payment_row(external_id="PAY-6", amount="10.00", invoice_external_id="ERP-4", allocation_amount="10.00"),
    ]


def _plain(value: Any, payments: dict[int, str]) -> Any:
    if isinstance(value, dict):
        return {k: (payments.get(v, v) if k == "id" else _plain(v, payments)) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, payments) for v in value]
    return value


def _rows() -> dict[str, Any]:
    """Every row the payments wrote, ids of new rows and timestamps left out, payments named by external id."""
    payments = {p.pk: p.external_id or f"#{p.reference}" for p in Payment.objects.all()}

    def key(object_type: str, object_id: str) -> Any:
        return payments[int(object_id)] if object_type == "payments.payment" else (object_type, object_id)

    def drop(row: Any, *extra: str) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in {"id", *extra} and not k.endswith("_at")}

    events: dict[Any, list[Any]] = {}
    for e in Event.objects.order_by("pk"):
        events.setdefault(key(e.object_type, e.object_id), []).append((e.type, e.version, e.company_id, _plain(e.payload, payments)))
    audit: dict[Any, list[Any]] = {}
    for a in AuditEvent.objects.order_by("pk"):
        after = _plain(a.after, payments)
        audit.setdefault(key(a.object_type, a.object_id), []).append(
            (a.action, a.actor_id, a.actor_label, a.channel, a.channel_ref.split(":")[0], a.before, after)
        )
    deliveries = sorted(
        (d.endpoint_id, d.event.type, str(key(d.event.object_type, d.event.object_id)), d.status, d.attempts)
        for d in WebhookDelivery.objects.select_related("event")
    )
    return {
        # A count of every table: nothing is written anywhere else.
        "counts": {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.label != "imports.ImportBatch"},
        "payments": {payments[p["id"]]: drop(p) for p in Payment.objects.values()},
        "allocations": sorted(
            (payments[a.payment_id or 0], a.invoice_id, a.amount, a.credit_note_id) for a in Allocation.objects.exclude(payment=None)
        ),
        "invoices": [drop(i, "updated_at") | {"id": i["id"]} for i in Invoice.objects.order_by("pk").values()],
        "lines": [drop(ln) | {"id": ln["id"]} for ln in InvoiceLine.objects.order_by("pk").values()],
        "audit": audit,
        "events": events,
        "deliveries": deliveries,
        "messages": sorted(
            (m["kind"], m["subject"], m["body"], tuple(m["to"]), payments.get(m["payment_id"] or 0), m["invoice_id"], m["company_id"])
            for m in Message.objects.values()
        ),
    }


def _both_ways(run: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, dict[str, Any], Any, dict[str, Any]]:
    """``run`` through the bulk path and through ``payment_record`` per payment, each rolled back: (result, rows) of each."""
    outcome: list[Any] = []
    for way in ("bulk", "services"):
        with monkeypatch.context() as patch:
            if way == "services":
                patch.setattr(PaymentKind, "_record_new", _one_by_one)
            with transaction.atomic():
                result = run()
                outcome += [result, _rows()]
                assert check_books() == []
                transaction.set_rollback(True)
    return outcome[0], outcome[1], outcome[2], outcome[3]


def test_an_imported_file_writes_what_payment_record_writes(personas: Personas, invoices: dict[str, Invoice], monkeypatch) -> None:
    old = payment_row(external_id="PAY-OLD", amount="300.00", invoice_external_id="ERP-4", allocation_amount="100.00")
    assert run_import([old], kind="payments").status == "succeeded"
    payment_record(actor=None, company=personas.acme, amount="5.00", currency="USD", method="cash", reference="by hand")

    bulk, by_bulk, services, by_services = _both_ways(
        lambda: run_import(_file(invoices), kind="payments", actor=personas.finance), monkeypatch
    )

    assert bulk.status == services.status == "succeeded", (bulk.errors, services.errors)
    assert [r["action"] for r in bulk.summary["results"]] == [r["action"] for r in services.summary["results"]]
    assert by_bulk == by_services
    # What the comparison covers did happen: the file is applied, the events and deliveries are there.
    statuses = {i["external_id"]: i["status"] for i in by_bulk["invoices"]}
    assert statuses == {"ERP-1": "paid", "ERP-2": "paid", "ERP-3": "partially_paid", "ERP-W": "paid", "ERP-4": "partially_paid"}
    assert [a[0] for a in by_bulk["audit"][("invoices.invoice", str(invoices["ERP-2"].pk))][-1:]] == ["invoice.paid"]
    assert by_bulk["audit"][("invoices.invoice", str(invoices["ERP-2"].pk))][-1][5] == {"status": "partially_paid"}
    assert by_bulk["payments"]["PAY-OLD"]["allocated_total"] == Decimal("200.00")
    assert {d[1] for d in by_bulk["deliveries"]} >= {"payment.recorded", "invoice.paid"}
    lines = {(ln["invoice_id"], ln["line_no"]): (ln["customer_status"], ln["enterprise_status"]) for ln in by_bulk["lines"]}
    assert lines[(invoices["ERP-3"].pk, 1)] == ("paid", "payment_received")
    assert lines[(invoices["ERP-3"].pk, 2)] == ("disputed", "disputed")


def test_receipts_and_events_outside_an_import_match_payment_record(personas: Personas, invoices: dict[str, Invoice], monkeypatch) -> None:
    """Outside an import (receipts are e-mailed) ``payments_record_many`` writes what ``payment_record`` writes, one after the other."""
    erp1, erp2, west = invoices["ERP-1"], invoices["ERP-2"], invoices["ERP-W"]
    calls: list[dict[str, Any]] = [
        {
            "company": personas.acme,
            "amount": "150.00",
            "currency": "USD",
            "method": "wire",
            "allocations": [(erp1.pk, "60.00"), (erp2.pk, "90.00")],
        },
        {"company": personas.acme, "amount": "40.00", "currency": "USD", "method": "check", "allocations": [(erp1.pk, "40.00")]},
        {"company": personas.acme, "amount": "35.00", "currency": "USD", "method": "cash", "allocations": [(west.pk, "30.00")]},
        {"company": personas.globex, "amount": "9.00", "currency": "USD", "method": "other", "reference": "R"},
    ]

    def bulk() -> list[Payment]:
        return payments_record_many(actor=personas.finance, payments=[payment_prepare(actor=personas.finance, **c) for c in calls])

    def services() -> list[Payment]:
        return [payment_record(actor=personas.finance, **c) for c in calls]

    outcome = []
    for run in (bulk, services):
        with transaction.atomic():
            run()
            outcome.append(_rows())
            transaction.set_rollback(True)

    assert outcome[0] == outcome[1]
    assert [m[0] for m in outcome[0]["messages"]].count("payment_receipt") == 4
    assert outcome[0]["audit"][("invoices.invoice", str(erp1.pk))][-1][:1] == ("invoice.paid",)


def _plan_then(change: Callable[[], Any], rows: list[dict[str, str]], actor: Any = None) -> tuple[ErrorLog, Results]:
    """Plan a payment file, let ``change`` happen (a concurrent writer), then apply the plans, as a run does."""
    kind = PaymentKind(actor=actor)
    errors, results = ErrorLog(), Results()
    reader = BatchReader(csv_text(rows).encode(), "csv", "payments")
    plans = [p for chunk in _chunks(reader, kind, errors) for p in kind.plan(chunk, errors)]
    assert not errors
    change()
    kind.apply(plans, errors, results)
    return errors, results


def test_an_over_allocation_found_under_the_lock_is_refused_on_its_row_as_before(
    personas: Personas, invoices: dict[str, Invoice], monkeypatch
) -> None:
    erp2, erp4 = invoices["ERP-2"], invoices["ERP-4"]
    more = payment_row(external_id="PAY-9", amount="460.00", invoice_external_id="ERP-4", allocation_amount="460.00")
    rows = [*_file(invoices)[:3], more]

    def concurrent() -> None:  # between planning and applying, other payments take most of ERP-2 and ERP-4
        pay(company=personas.acme, invoices=[(erp2, "80.00"), (erp4, "100.00")])

    bulk, by_bulk, services, by_services = _both_ways(lambda: _plan_then(concurrent, rows), monkeypatch)

    assert bulk[0].as_list() == services[0].as_list()
    assert {(e["row"], e["column"], e["message"]) for e in bulk[0].as_list()} == {
        (3, "allocation_amount", f"50.00 is more than the 20.00 USD still due on {erp2.number}."),
        (4, "allocation_amount", f"50.00 is more than the 20.00 USD still due on {erp2.number}."),
        (5, "allocation_amount", f"460.00 is more than the 400.00 USD still due on {erp4.number}."),
    }
    assert by_bulk["counts"] == by_services["counts"]


def test_a_payment_import_failing_in_a_later_chunk_leaves_nothing(personas: Personas, invoices: dict[str, Invoice], monkeypatch) -> None:
    monkeypatch.setattr(PaymentKind, "chunk_size", 2)
    erp4 = invoices["ERP-4"]
    before = database_state()
    rows = [payment_row(external_id=f"P-{i}", amount="100.00", invoice_external_id="ERP-4", allocation_amount="100.00") for i in range(5)]

    def after_chunk(phase: str, done: int, total: int) -> None:
        if phase == "running" and done == 2:  # another payment takes what the last chunk allocates, as it runs
            pay(company=personas.acme, invoices=[(erp4, "250.00")])

    batch = run_import(rows, kind="payments", progress=after_chunk)

    assert batch.status == "failed"
    assert {(e["row"], e["column"]) for e in batch.errors} == {(4, "allocation_amount"), (5, "allocation_amount")}
    assert database_state() == before
    assert check_books() == []
