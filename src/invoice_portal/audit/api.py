"""The audit trail of one object over the API. Seller staff who may see that kind of object."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import models
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from invoice_portal.api.access import require
from invoice_portal.api.pagination import paginate
from invoice_portal.api.schemas import READ_ONE_ERRORS, Cursor, Id, Limit, Page, responses
from invoice_portal.audit.models import AuditEvent
from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import NotFound
from invoice_portal.invoices.models import Invoice
from invoice_portal.orders.models import Order
from invoice_portal.payments.models import Payment

router = Router()


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    action: str
    actor: int | None
    actor_label: str
    channel: str
    channel_ref: str
    object_type: str
    object_id: str
    before: Any
    after: Any


def audit_event_out(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk, "at": event.at, "action": event.action, "actor": event.actor_id, "actor_label": event.actor_label,
        "channel": event.channel, "channel_ref": event.channel_ref, "object_type": event.object_type,
        "object_id": event.object_id, "before": event.before, "after": event.after,
    }  # fmt: skip


# object type → (model, permission needed to read its trail)
_OBJECTS: dict[str, tuple[type[models.Model], str]] = {
    "invoice": (Invoice, "invoices.view"),
    "payment": (Payment, "payments.view"),
    "company": (Company, "customers.view"),
    "order": (Order, "orders.view"),
}


class AuditQuery(Schema):
    object_type: Literal["invoice", "payment", "company", "order"]
    object_id: Id
    limit: Limit = 50
    cursor: Cursor | None = Field(None)


@router.get(
    "",
    response=responses({200: Page[AuditEventOut]}, READ_ONE_ERRORS),
    summary="The audit events of one object, oldest first",
)
def list_audit_events(request: HttpRequest, filters: Query[AuditQuery]) -> dict[str, Any]:
    model, permission = _OBJECTS[filters.object_type]
    require(request, permission)
    obj = model._default_manager.filter(pk=filters.object_id).first()
    if obj is None:
        raise NotFound(f"No {filters.object_type} {filters.object_id}.")
    rows, cursor = paginate(audit_events_for(obj).order_by("at", "id"), cursor=filters.cursor, limit=filters.limit)
    return {"items": [audit_event_out(e) for e in rows], "next_cursor": cursor}
