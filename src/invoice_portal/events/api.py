"""The ERP change feed: every business event in commit order, behind a durable cursor.

Seller staff only (their role must see invoices, payments and orders): the feed is the
books' change log. Company users (buyers, suppliers) are refused with 403 rather than
given a filtered feed, because a filtered position sequence would still tell them how
busy the seller is; they have their own invoice and payment endpoints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from invoice_portal.api.access import require, require_seller_staff
from invoice_portal.api.schemas import READ_ERRORS, responses
from invoice_portal.events.models import Event, EventType
from invoice_portal.events.selectors import events_after, last_position
from invoice_portal.events.services import events_stamp_all

router = Router()
FEED_PERMISSIONS = ("invoices.view", "payments.view", "orders.view")


class EventOut(Schema):
    event_id: str = Field(description="The event's public id; the `webhook-id` of its webhook deliveries")
    position: int = Field(description="Commit-order position; pass the last one seen as ?after=")
    type: EventType
    version: int = Field(description="Version of the payload schema of this type")
    object_type: str
    object_id: str
    company_id: int | None
    created_at: dt.datetime
    data: dict[str, Any] = Field(description="The payload: see the webhooks section of this document for each type's schema")


class EventFeed(Schema):
    items: list[EventOut]
    next_cursor: str = Field(description="Pass as ?after= next time; it stays valid forever (empty page: the same cursor)")


class FeedQuery(Schema):
    after: int = Field(0, ge=0, le=2**63 - 1, description="Position of the last event already processed (0 = from the start)")
    limit: int = Field(100, ge=1, le=1000)
    type: list[EventType] | None = Field(None, description="Only these types (repeat the parameter); the cursor still advances")


def event_out(event: Event) -> dict[str, Any]:
    return {
        "event_id": event.uid, "position": event.position, "type": event.type, "version": event.version,
        "object_type": event.object_type, "object_id": event.object_id, "company_id": event.company_id,
        "created_at": event.created_at, "data": event.payload,
    }  # fmt: skip


@router.get(
    "",
    response=responses({200: EventFeed}, READ_ERRORS),
    summary="The change feed: business events in commit order",
    description=(
        "Every business event (invoices issued, updated, paid, canceled and disputed; payments recorded with their "
        "allocations, refunded and reversed; credit notes issued; orders flagged; received invoice status changes) "
        "in the order their transactions committed. Poll with `?after=` set to the `next_cursor` of the previous "
        "answer: a reader that always does so sees every event exactly once, even under concurrent writers."
    ),
)
def list_events(request: HttpRequest, query: Query[FeedQuery]) -> dict[str, Any]:
    require_seller_staff(request)
    require(request, *FEED_PERMISSIONS)
    events_stamp_all()  # events committed since the worker's last run get their positions now
    # Read up to a ceiling fixed first, so a filtered page that advances the cursor past unmatched events
    # never steps over a matching one stamped while this request ran.
    ceiling = last_position()
    types = [t.value for t in query.type] if query.type else None
    rows = list(events_after(query.after, types=types).filter(position__lte=ceiling)[: query.limit])
    cursor = max(ceiling, query.after) if len(rows) < query.limit else rows[-1].position or query.after
    return {"items": [event_out(e) for e in rows], "next_cursor": str(cursor)}
