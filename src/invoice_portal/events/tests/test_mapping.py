"""Each business transition writes its public event, in its transaction, with a payload of the committed state."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from invoice_portal.events.models import Event, EventType
from invoice_portal.events.services import events_stamp_all
from invoice_portal.invoices.models import InvoiceLine
from invoice_portal.invoices.services import credit_note_create, dispute_open, invoice_cancel, invoice_update
from invoice_portal.orders.services import order_cancel, order_upsert
from invoice_portal.payments.services import payment_refund, payment_reverse
from invoice_portal.testing import Personas, line, make_invoice, make_order, pay

pytestmark = pytest.mark.django_db


def types() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("type", flat=True))


def test_issuing_an_invoice_writes_invoice_issued_with_its_number_and_balance(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="120.00")
    event = Event.objects.get()
    assert event.type == EventType.INVOICE_ISSUED
    assert event.payload == {**event.payload, "id": invoice.pk, "number": invoice.number, "balance": "120.00"}
    assert event.company_id == personas.acme.pk
    assert event.uid.startswith("evt_")
    assert event.position is None


def test_a_draft_writes_no_event_and_its_edits_neither(personas: Personas) -> None:
    draft = make_invoice(company=personas.acme, status="draft")
    invoice_update(actor=personas.sales, invoice=draft, lines=[line(unit_price="5.00")])
    assert types() == []


def test_payment_in_full_writes_payment_recorded_with_allocations_then_invoice_paid(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")], amount="150.00")
    assert types() == ["invoice.issued", "payment.recorded", "invoice.paid"]
    recorded = Event.objects.get(type="payment.recorded")
    assert recorded.payload["id"] == payment.pk
    assert recorded.payload["amount"] == "150.00"
    assert recorded.payload["allocations"] == [{"invoice_id": invoice.pk, "amount": "100.00"}]
    paid = Event.objects.get(type="invoice.paid")
    assert paid.payload["status"] == "paid"
    assert paid.payload["balance"] == "0.00"


def test_a_partial_payment_does_not_write_invoice_paid(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    pay(company=personas.acme, invoices=[(invoice, "40.00")])
    assert types() == ["invoice.issued", "payment.recorded"]


def test_refund_and_reversal_write_their_events_with_what_they_released(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, amount="100.00")
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")])
    payment_refund(actor=personas.finance, payment=payment, amount="30.00", reason="goodwill")
    refunded = Event.objects.get(type="payment.refunded")
    assert refunded.payload["refund"] == {
        "amount": "30.00",
        "reason": "goodwill",
        "released": [{"invoice_id": invoice.pk, "amount": "30.00"}],
    }
    assert refunded.payload["allocations"] == [{"invoice_id": invoice.pk, "amount": "70.00"}]
    payment_reverse(actor=personas.finance, payment=payment, reason="bounced")
    reversed_ = Event.objects.get(type="payment.reversed")
    assert reversed_.payload["status"] == "reversed"
    assert reversed_.payload["allocations"] == []


def test_cancel_dispute_update_and_credit_note_events(personas: Personas) -> None:
    invoice = make_invoice(company=personas.acme, lines=2, amount="50.00")
    invoice_update(actor=personas.sales, invoice=invoice, lines=[line(unit_price="60.00")])
    other = make_invoice(company=personas.acme, lines=2, amount="50.00")
    dispute_open(actor=personas.bob, line=InvoiceLine.objects.get(invoice=other, line_no=1), reason="price", text="too dear")
    credit_note_create(actor=personas.finance, invoice=other, amount="5.00", apply=False)
    invoice_cancel(actor=personas.sales, invoice=invoice, reason="wrong customer")
    assert types() == [
        "invoice.issued", "invoice.updated", "invoice.issued", "invoice.disputed", "credit_note.issued", "invoice.canceled"
    ]  # fmt: skip
    disputed = Event.objects.get(type="invoice.disputed")
    assert disputed.payload["dispute"]["line"] == 1
    assert disputed.payload["dispute"]["reason"] == "price"
    assert Event.objects.get(type="invoice.canceled").payload["reason"] == "wrong customer"


def test_an_order_changed_or_canceled_after_invoicing_writes_order_flagged(personas: Personas) -> None:
    order = make_order(company=personas.acme)
    order_upsert(actor=None, source=order.source, external_id=order.external_id, company=personas.acme, status="shipped",
                 lines=[{"sku": "SKU-1", "description": "Product 1", "quantity": "3", "unit_price": "25.00"}],
                 order_date=order.order_date)  # fmt: skip
    assert types() == []  # not invoiced yet: no flag, no event
    make_invoice(company=personas.acme, order=order)
    order_upsert(actor=None, source=order.source, external_id=order.external_id, company=personas.acme, status="completed",
                 lines=[{"sku": "SKU-1", "description": "Product 1", "quantity": "4", "unit_price": "25.00"}],
                 order_date=order.order_date)  # fmt: skip
    order_cancel(actor=None, order=order)
    assert types() == ["invoice.issued", "order.flagged", "order.flagged"]
    last = Event.objects.filter(type="order.flagged").order_by("pk").last()
    assert last is not None
    assert last.payload["flag_canceled"] is True


def _issue_then_fail(personas: Personas) -> None:
    with transaction.atomic():
        make_invoice(company=personas.acme)
        raise RuntimeError("the caller fails after issuing")


def test_a_rolled_back_transition_leaves_no_event(personas: Personas) -> None:
    with pytest.raises(RuntimeError):
        _issue_then_fail(personas)
    assert types() == []


def test_stamping_gives_positions_in_order_and_never_twice(personas: Personas) -> None:
    make_invoice(company=personas.acme)
    make_invoice(company=personas.globex)
    assert events_stamp_all() == 2
    assert events_stamp_all() == 0
    assert list(Event.objects.order_by("pk").values_list("position", flat=True)) == [1, 2]


def test_a_transaction_with_many_events_schedules_one_stamping(personas: Personas, django_capture_on_commit_callbacks: Any) -> None:
    from invoice_portal.events.services import _enqueue_stamp

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(3):
            make_invoice(company=personas.acme)
    assert len(Event.objects.all()) == 3
    assert [c for c in callbacks if c is _enqueue_stamp] == [_enqueue_stamp]


def test_documents_issued_by_a_bulk_import_write_their_events_too(personas: Personas) -> None:
    from invoice_portal.imports.bulk import document_prepare, documents_bulk_create

    docs = [
        document_prepare(
            actor=personas.finance, company=personas.acme, lines=[line(unit_price="10.00")], kind=kind, source="erp",
            currency="USD", order=None, external_id=f"B-{n}", header={}, issue=issue,
        )
        for n, (kind, issue) in enumerate([("invoice", True), ("credit_note", True), ("invoice", False)])
    ]  # fmt: skip
    with transaction.atomic():
        created = documents_bulk_create(actor=personas.finance, documents=docs)
    assert sorted(Event.objects.values_list("type", "object_id")) == [
        ("credit_note.issued", str(created[1].pk)),
        ("invoice.issued", str(created[0].pk)),
    ]
    assert Event.objects.get(type="invoice.issued").payload["number"] == created[0].number
