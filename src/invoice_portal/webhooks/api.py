"""Outbound webhook endpoints over the API: subscriptions, their delivery log, retry and replay.

Seller staff whose role may manage integrations (``integrations.manage``); everyone else 403.
The signing secret is returned when an endpoint is created, by ``/secret`` and by ``/rotate-secret``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import require
from invoice_portal.api.pagination import paginate
from invoice_portal.api.schemas import CREATE_ERRORS, READ_ONE_ERRORS, TEXT_PATTERN, WRITE_ERRORS, Cursor, Id, Limit, Page, responses
from invoice_portal.core.errors import NotFound
from invoice_portal.events.models import EventType
from invoice_portal.webhooks import selectors
from invoice_portal.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import delivery_replay, delivery_retry
from invoice_portal.webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

router = Router()
PERMISSION = "integrations.manage"
Url = Annotated[str, Field(min_length=1, max_length=500, pattern=TEXT_PATTERN, examples=["https://erp.example.com/hooks/invoices"])]
Description = Annotated[str, Field(max_length=200, pattern=TEXT_PATTERN)]


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[EventType]
    enabled: bool
    disabled_reason: str
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="Standard Webhooks signing secret (whsec_…): verify each delivery's webhook-signature with it")


class EndpointIn(Schema):
    url: Url
    event_types: list[EventType] = Field(min_length=1)
    description: Description = ""


class EndpointPatch(Schema):
    url: Url | None = None
    event_types: list[EventType] | None = Field(None, min_length=1)
    description: Description | None = None
    enabled: bool | None = None


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    response_excerpt: str
    duration_ms: int
    error: str
    succeeded: bool


class DeliveryOut(Schema):
    id: int
    event_id: str
    event_type: EventType
    webhook_id: str = Field(description="The webhook-id header sent")
    replay_of: int | None
    status: Literal["pending", "sending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


class DeliveryQuery(Schema):
    status: Literal["pending", "sending", "succeeded", "failed"] | None = None
    limit: Limit = 50
    cursor: Cursor | None = Field(None)


def endpoint_out(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    out = {
        "id": endpoint.pk, "url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types,
        "enabled": endpoint.enabled, "disabled_reason": endpoint.disabled_reason, "last_success_at": endpoint.last_success_at,
        "last_failure_at": endpoint.last_failure_at, "created_at": endpoint.created_at,
    }  # fmt: skip
    if secret:
        out["secret"] = endpoint.secret
    return out


def attempt_out(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "at": attempt.at, "status_code": attempt.status_code, "response_excerpt": attempt.response_excerpt,
        "duration_ms": attempt.duration_ms, "error": attempt.error, "succeeded": attempt.succeeded,
    }  # fmt: skip


def delivery_out(delivery: WebhookDelivery, *, attempts: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": delivery.pk, "event_id": delivery.event.uid, "event_type": delivery.event.type, "webhook_id": delivery.message_id,
        "replay_of": delivery.replay_of_id, "status": delivery.status, "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == "pending" else None, "delivered_at": delivery.delivered_at,
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error, "created_at": delivery.created_at,
    }  # fmt: skip
    if attempts:
        out["attempt_log"] = [attempt_out(a) for a in selectors.delivery_attempts(delivery)]
    return out


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


def _delivery(endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("event").filter(pk=delivery_id, endpoint_id=endpoint_id).first()
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} of webhook endpoint {endpoint_id}.")
    return delivery


@router.get("", response=responses({200: list[EndpointOut]}, READ_ONE_ERRORS), summary="List webhook endpoints")
def list_endpoints(request: HttpRequest) -> list[dict[str, Any]]:
    require(request, PERMISSION)
    return [endpoint_out(e) for e in WebhookEndpoint.objects.order_by("pk")]


@router.post(
    "", response=responses({201: EndpointWithSecret}, CREATE_ERRORS), summary="Subscribe an endpoint (its signing secret is returned)"
)
def create_endpoint(request: HttpRequest, payload: EndpointIn) -> Status:
    user = require(request, PERMISSION)
    endpoint = webhook_endpoint_create(
        actor=user, url=payload.url, event_types=[t.value for t in payload.event_types], description=payload.description
    )
    return Status(201, endpoint_out(endpoint, secret=True))


@router.get("/{endpoint_id}", response=responses({200: EndpointOut}, READ_ONE_ERRORS), summary="Get a webhook endpoint")
def get_endpoint(request: HttpRequest, endpoint_id: Id) -> dict[str, Any]:
    require(request, PERMISSION)
    return endpoint_out(_endpoint(endpoint_id))


@router.get("/{endpoint_id}/secret", response=responses({200: EndpointWithSecret}, READ_ONE_ERRORS), summary="Reveal the signing secret")
def get_endpoint_secret(request: HttpRequest, endpoint_id: Id) -> dict[str, Any]:
    require(request, PERMISSION)
    return endpoint_out(_endpoint(endpoint_id), secret=True)


@router.patch("/{endpoint_id}", response=responses({200: EndpointOut}, WRITE_ERRORS), summary="Change or switch an endpoint on/off")
def update_endpoint(request: HttpRequest, endpoint_id: Id, payload: EndpointPatch) -> dict[str, Any]:
    user = require(request, PERMISSION)
    data = payload.model_dump(exclude_unset=True)
    if data.get("event_types") is not None:
        data["event_types"] = [EventType(t).value for t in data["event_types"]]
    endpoint = webhook_endpoint_update(actor=user, endpoint=_endpoint(endpoint_id), **{k: v for k, v in data.items() if v is not None})
    return endpoint_out(endpoint)


@router.post(
    "/{endpoint_id}/rotate-secret", response=responses({200: EndpointWithSecret}, WRITE_ERRORS), summary="Replace the signing secret"
)
def rotate_endpoint_secret(request: HttpRequest, endpoint_id: Id) -> dict[str, Any]:
    user = require(request, PERMISSION)
    return endpoint_out(webhook_endpoint_rotate_secret(actor=user, endpoint=_endpoint(endpoint_id)), secret=True)


@router.delete("/{endpoint_id}", response=responses({204: None}, WRITE_ERRORS), summary="Delete an endpoint and its delivery log")
def delete_endpoint(request: HttpRequest, endpoint_id: Id) -> HttpResponse:
    user = require(request, PERMISSION)
    webhook_endpoint_delete(actor=user, endpoint=_endpoint(endpoint_id))
    return HttpResponse(status=204)


@router.get(
    "/{endpoint_id}/deliveries", response=responses({200: Page[DeliveryOut]}, READ_ONE_ERRORS), summary="The delivery log, newest first"
)
def list_deliveries(request: HttpRequest, endpoint_id: Id, query: Query[DeliveryQuery]) -> dict[str, Any]:
    require(request, PERMISSION)
    deliveries = selectors.endpoint_deliveries(_endpoint(endpoint_id), status=query.status or "")
    rows, cursor = paginate(deliveries, cursor=query.cursor, limit=query.limit)
    return {"items": [delivery_out(d) for d in rows], "next_cursor": cursor}


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    response=responses({200: DeliveryDetail}, READ_ONE_ERRORS),
    summary="A delivery and its attempts",
)
def get_delivery(request: HttpRequest, endpoint_id: Id, delivery_id: Id) -> dict[str, Any]:
    require(request, PERMISSION)
    return delivery_out(_delivery(endpoint_id, delivery_id), attempts=True)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry", response=responses({200: DeliveryOut}, WRITE_ERRORS), summary="Retry a failed delivery"
)
def retry_delivery(request: HttpRequest, endpoint_id: Id, delivery_id: Id) -> dict[str, Any]:
    user = require(request, PERMISSION)
    return delivery_out(delivery_retry(actor=user, delivery=_delivery(endpoint_id, delivery_id)))


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    response=responses({201: DeliveryOut}, WRITE_ERRORS),
    summary="Send the delivery's event again (a new delivery, a new webhook-id)",
)
def replay_delivery(request: HttpRequest, endpoint_id: Id, delivery_id: Id) -> Status:
    user = require(request, PERMISSION)
    replay = delivery_replay(actor=user, delivery=_delivery(endpoint_id, delivery_id))
    return Status(201, delivery_out(WebhookDelivery.objects.select_related("event").get(pk=replay.pk)))
