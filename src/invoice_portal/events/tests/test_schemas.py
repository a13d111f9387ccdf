"""The documented payloads are the sent payloads: every event the transitions write validates against its
published schema, and the OpenAPI document lists one webhook per event type."""

from __future__ import annotations

import pytest
from django.test import Client

from invoice_portal.events.models import Event, EventType
from invoice_portal.events.schemas import DATA, _envelope
from invoice_portal.invoices.models import InvoiceLine
from invoice_portal.invoices.services import credit_note_create, dispute_open, invoice_cancel, invoice_update
from invoice_portal.orders.services import order_cancel
from invoice_portal.payables.testing import flip, make_po, receive_all
from invoice_portal.payments.services import payment_refund, payment_reverse
from invoice_portal.testing import Personas, line, make_company, make_invoice, make_order, pay
from invoice_portal.webhooks.models import WebhookDelivery
from invoice_portal.webhooks.services.deliveries import request_body
from invoice_portal.webhooks.services.endpoints import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def test_every_event_written_validates_against_its_published_schema(personas: Personas) -> None:
    webhook_endpoint_create(actor=None, url="http://127.0.0.1:9/schemas", event_types=EventType.values)
    order = make_order(company=personas.acme)
    invoice = make_invoice(company=personas.acme, order=order, lines=2, amount="50.00")
    invoice_update(actor=personas.sales, invoice=invoice, lines=[line(unit_price="80.00"), line(unit_price="20.00")])
    dispute_open(actor=personas.alice, line=InvoiceLine.objects.get(invoice=invoice, line_no=1), reason="price", text="no")
    credit_note_create(actor=personas.finance, invoice=invoice, amount="5.00", apply=False)
    payment = pay(company=personas.acme, invoices=[(invoice, "100.00")])
    payment_refund(actor=personas.finance, payment=payment, amount="10.00")
    payment_reverse(actor=personas.finance, payment=payment)
    invoice_cancel(actor=personas.sales, invoice=make_invoice(company=personas.acme))
    order_cancel(actor=None, order=order)
    po = make_po(supplier=make_company(is_supplier=True, is_customer=False))
    flip(po, actor=None)  # billed before anything was received: submitted, then pending receiving
    receive_all(po)  # the receipt matches it again: accepted
    written = set(Event.objects.values_list("type", flat=True))
    assert written == set(EventType.values)
    moves = Event.objects.filter(type=EventType.RECEIVED_INVOICE_STATUS_CHANGED).order_by("pk")
    assert [(e.payload["from_status"], e.payload["to_status"]) for e in moves][-1] == ("pending_receiving", "accepted")
    for delivery in WebhookDelivery.objects.select_related("event"):
        _envelope(EventType(delivery.event.type)).model_validate_json(request_body(delivery))
    for event in Event.objects.all():
        DATA[EventType(event.type)].model_validate(event.payload)


def test_the_openapi_document_has_a_webhooks_section_with_every_event_type() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert set(schema["webhooks"]) == set(EventType.values)
    paid = schema["webhooks"]["invoice.paid"]["post"]
    assert {p["name"] for p in paid["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    ref = paid["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert ref in schema["components"]["schemas"]
    assert "InvoiceData" in schema["components"]["schemas"]
