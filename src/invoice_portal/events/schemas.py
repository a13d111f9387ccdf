"""The public payload schemas of events (version 1), published as the OpenAPI ``webhooks`` section.

Each event type is one webhook: a POST with the Standard Webhooks headers and the envelope
``{event_id, type, version, timestamp, data}``; ``data`` is the object (invoice, payment, order)
as the transition left it, plus what the transition adds (a refund, a dispute, a reason). The
change feed returns the same ``data`` per item.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from invoice_portal.events.models import EventType

Money = str


class InvoiceData(BaseModel):
    id: int
    number: str | None
    kind: Literal["invoice", "credit_note", "debit_note"]
    direction: Literal["issued", "received"]
    status: str
    source: str
    company_id: int
    order_id: int | None
    external_id: str | None
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    total: Money
    allocated_total: Money
    balance: Money
    version: int


class AmountByInvoice(BaseModel):
    invoice_id: int
    amount: Money


class PaymentData(BaseModel):
    id: int
    company_id: int
    amount: Money
    currency: str
    method: str
    reference: str
    received_on: dt.date | None
    status: str
    refunded_amount: Money
    allocated_total: Money
    external_id: str | None
    allocations: list[AmountByInvoice] = Field(description="What the payment settles, invoice by invoice")


class OrderData(BaseModel):
    id: int
    source: str
    external_id: str
    company_id: int
    status: str
    is_canceled: bool
    currency: str
    total: Money
    flag_updated: bool
    flag_canceled: bool


class DisputeData(BaseModel):
    dispute: int
    line: int
    reason: str
    text: str


class RefundData(BaseModel):
    amount: Money
    reason: str
    released: list[AmountByInvoice]


class ReversalData(BaseModel):
    reason: str
    released: list[AmountByInvoice]


class ReceivedInvoiceStatusData(BaseModel):
    """The received invoice as the AP API shows it (number, supplier, totals: more fields may follow), and the move."""

    model_config = {"extra": "allow"}
    id: int
    from_status: str
    to_status: str


class InvoiceCanceledData(InvoiceData):
    reason: str


class InvoiceDisputedData(InvoiceData):
    dispute: DisputeData


class PaymentRefundedData(PaymentData):
    refund: RefundData


class PaymentReversedData(PaymentData):
    reversal: ReversalData


DATA: dict[EventType, type[BaseModel]] = {
    EventType.INVOICE_ISSUED: InvoiceData,
    EventType.INVOICE_UPDATED: InvoiceData,
    EventType.INVOICE_PAID: InvoiceData,
    EventType.INVOICE_CANCELED: InvoiceCanceledData,
    EventType.INVOICE_DISPUTED: InvoiceDisputedData,
    EventType.PAYMENT_RECORDED: PaymentData,
    EventType.PAYMENT_REFUNDED: PaymentRefundedData,
    EventType.PAYMENT_REVERSED: PaymentReversedData,
    EventType.CREDIT_NOTE_ISSUED: InvoiceData,
    EventType.ORDER_FLAGGED: OrderData,
    EventType.RECEIVED_INVOICE_STATUS_CHANGED: ReceivedInvoiceStatusData,
}


def _envelope(event_type: EventType) -> type[BaseModel]:
    name = "".join(part.title() for part in event_type.value.replace(".", "_").split("_")) + "Webhook"
    return create_model(
        name,
        event_id=(str, Field(description="The event id (evt_…); also the webhook-id header, the same on every retry")),
        type=(Literal[event_type.value], ...),  # type: ignore[arg-type]
        version=(Literal[1], Field(description="Version of this type's payload schema")),
        timestamp=(dt.datetime, ...),
        data=(DATA[event_type], ...),
    )


_HEADERS = [
    ("webhook-id", "The message id: the event id (a replay asked for by an administrator gets a new one). Deduplicate on it."),
    ("webhook-timestamp", "Seconds since the epoch when this attempt was signed; refuse stale ones (Standard Webhooks: 5 minutes)."),
    ("webhook-signature", "v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}' with the endpoint's secret>"),
]


def webhooks_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the OpenAPI ``webhooks`` object, the component schemas it refers to)."""
    webhooks: dict[str, Any] = {}
    components: dict[str, Any] = {}
    for event_type in EventType:
        model = _envelope(event_type)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        webhooks[event_type.value] = {
            "post": {
                "summary": event_type.label,
                "description": (
                    f"Sent to every enabled endpoint subscribed to `{event_type.value}`, signed per Standard Webhooks. "
                    "Answer 2xx within 10 seconds; anything else is retried with exponential backoff for about three days."
                ),
                "parameters": [
                    {"in": "header", "name": name, "required": True, "description": text, "schema": {"type": "string"}}
                    for name, text in _HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
                },
                "responses": {"2XX": {"description": "Received; not sent again"}},
            }
        }
    return webhooks, components
