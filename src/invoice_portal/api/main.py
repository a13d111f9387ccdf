"""The JSON API v1: one NinjaAPI, each noun's router mounted from that noun's ``api.py``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from invoice_portal.api.auth import TokenAuth, api_call
from invoice_portal.api.docs import LocalSwagger
from invoice_portal.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from invoice_portal.api.links import add_links
from invoice_portal.api.problems import PROBLEM_CONTENT_TYPE, install_handlers

DESCRIPTION = """
The Invoice Portal API: companies, orders, invoices, payments and their audit trail.

**Authentication.** Send `Authorization: Bearer <token>`. Tokens are personal: a call acts with the
token owner's role and company scope (make one on the page `/account/tokens/` or with
`invoice-portal token create <email>`). A read-only token is refused (403, `token_read_only`) on
every call that writes.

**Events.** `GET /events` is the change feed (every business event in commit order, behind a
durable cursor); the same events are POSTed to subscribed webhook endpoints (`/webhook-endpoints`),
signed per Standard Webhooks. Their payloads are in the `webhooks` section of this document.

**Idempotency.** Every POST accepts an `Idempotency-Key` header (1–255 printable ASCII characters).
Repeating a request with the same key and body returns the first answer again (status and body,
with `Idempotent-Replayed: true`) without doing the work twice; the same key with another body is
refused with 422. Keys are per user and kept for at least 24 hours.

**Errors** are `application/problem+json`: `type`, `title`, `status`, `detail`, a stable `code`
and `errors` (a list of `{field, message}`). Objects that do not exist or lie outside the caller's
scope are 404; a missing permission is 403; a request the current state forbids is 409.

**Money** travels as strings with exactly the currency's digits (`"118.00"`); amounts you send are
strings too (floats are refused). Ids are integers.

**Lists** are cursor-paginated: `?limit=` (≤ 200) and `?cursor=` from the previous page's
`next_cursor` (null on the last page).
"""


class ObjectBodyParser(Parser):
    """A JSON body is an object: every request schema is one, and ninja's schemas would read any other
    value (a list, a number) through attribute access as an object with no fields, i.e. an empty patch."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")
        return data


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        from invoice_portal.events.schemas import webhooks_openapi

        schema["webhooks"], webhook_schemas = webhooks_openapi()
        schema.setdefault("components", {}).setdefault("schemas", {}).update(webhook_schemas)
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content")
                    if int(status) >= 400 and content and "application/json" in content:
                        response["content"] = {PROBLEM_CONTENT_TYPE: content.pop("application/json")}
                if method == "post":
                    operation.setdefault("parameters", []).append(
                        {
                            "in": "header",
                            "name": IDEMPOTENCY_HEADER,
                            "required": False,
                            "description": "Repeat-safe POST: the same key and body replay the first answer.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
                        }
                    )
        add_links(schema, (path_prefix if path_prefix is not None else self.get_root_path(path_params or {})).rstrip("/"))
        return schema


def build_api() -> NinjaAPI:
    api = PortalAPI(
        title="Invoice Portal API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-v1",
        docs=LocalSwagger(),
        auth=TokenAuth(),
        parser=ObjectBodyParser(),
    )
    install_handlers(api)
    api.add_decorator(api_call, mode="view")
    api.add_router("/companies", "invoice_portal.companies.api.router", tags=["companies"])
    # Before /invoices and /payments: /invoices/export.csv must be routed before /invoices/{invoice_id}.
    api.add_router("", "invoice_portal.imports.api.router", tags=["imports"])
    api.add_router("", "invoice_portal.events.exports.router", tags=["events"])
    api.add_router("/orders", "invoice_portal.orders.api.router", tags=["orders"])
    api.add_router("/invoices", "invoice_portal.invoices.api.router", tags=["invoices"])
    api.add_router("/invoices", "invoice_portal.notifications.api.router", tags=["emails and reminders"])
    api.add_router("/invoices", "invoice_portal.documents.einvoice.api.router", tags=["e-invoices"])
    api.add_router("/invoice-responses", "invoice_portal.documents.einvoice.api.responses_router", tags=["e-invoices"])
    api.add_router("/disputes", "invoice_portal.invoices.api.disputes_router", tags=["disputes"])
    api.add_router("/payments", "invoice_portal.payments.api.router", tags=["payments"])
    api.add_router("/audit-events", "invoice_portal.audit.api.router", tags=["audit-events"])
    api.add_router("/events", "invoice_portal.events.api.router", tags=["events"])
    api.add_router("/webhook-endpoints", "invoice_portal.webhooks.api.router", tags=["webhooks"])
    api.add_router("/purchase-orders", "invoice_portal.payables.api.purchase_orders_router", tags=["accounts payable"])
    api.add_router("/receipts", "invoice_portal.payables.api.receipts_router", tags=["accounts payable"])
    api.add_router("/received-invoices", "invoice_portal.payables.api.received_router", tags=["accounts payable"])
    api.add_router("/received-invoices", "invoice_portal.documents.einvoice.api.received_responses_router", tags=["accounts payable"])
    api.add_router("/transaction-runs", "invoice_portal.payables.api_runs.transaction_runs_router", tags=["accounts payable"])
    return api


api = build_api()
