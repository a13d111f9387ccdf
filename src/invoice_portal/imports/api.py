"""Imports and CSV exports over the API.

Mount with ``api.add_router("", "invoice_portal.imports.api.router", tags=["imports"])`` BEFORE the
invoices and payments routers: ``/invoices/export.csv`` must be routed before ``/invoices/{invoice_id}``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import caller, require, require_seller_staff, visible_invoices
from invoice_portal.api.idempotency import body_limit
from invoice_portal.api.pagination import paginate
from invoice_portal.api.problems import PROBLEM_CONTENT_TYPE, TYPE_PREFIX, problem
from invoice_portal.api.schemas import READ_ERRORS, READ_ONE_ERRORS, Cursor, FieldError, Id, Limit, Page, responses
from invoice_portal.core.errors import NotFound, ValidationFailed
from invoice_portal.imports.exports import invoice_csv, payment_csv
from invoice_portal.imports.models import ImportBatch, ImportFormat, ImportKind, ImportStatus
from invoice_portal.imports.selectors import import_batches_visible_to
from invoice_portal.imports.services import MAX_BYTES, import_batch_create, import_batch_enqueue, import_batch_reap, import_batch_run
from invoice_portal.invoices.api import InvoiceFilterQuery
from invoice_portal.invoices.selectors import InvoiceFilters, invoice_list
from invoice_portal.payments.api import PaymentFilterQuery
from invoice_portal.payments.models import Payment
from invoice_portal.payments.selectors import PaymentFilters, payment_filter

router = Router()

# Batches up to this many rows are imported during the request (200 or 422); larger ones, or any
# with ?background=true, become a background job (202) to follow at GET /imports/{id}.
SYNC_MAX_ROWS = getattr(settings, "IMPORT_SYNC_MAX_ROWS", 1000)
KIND_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ImportKind.INVOICES: ("invoices.create", "invoices.issue"),
    ImportKind.ORDERS: ("integrations.manage",),
    ImportKind.PAYMENTS: ("payments.record",),
    ImportKind.PURCHASE_ORDERS: ("integrations.manage",),
    ImportKind.COMPANIES: ("customers.edit",),
}

IMPORT_BODY = {
    "required": True,
    "description": (
        "A CSV file (multipart field `file`, with `kind` as a form field or `?kind=`), a raw CSV body "
        "(`Content-Type: text/csv`, `?kind=`), or a JSON batch. Columns per kind: docs/imports.md."
    ),
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "kind": {"type": "string", "enum": ImportKind.values},
                    "format": {"type": "string", "enum": ImportFormat.values, "description": "Default: from the file name"},
                },
            }
        },
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["rows"],
                "properties": {
                    "kind": {"type": "string", "enum": ImportKind.values},
                    "rows": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": ["string", "number", "null"]}}},
                },
            }
        },
    },
}
CSV_RESPONSE = {"200": {"description": "CSV, streamed", "content": {"text/csv": {"schema": {"type": "string"}}}}}


class RowErrorOut(Schema):
    row: int = Field(description="CSV: the line as a spreadsheet numbers it (header = 1); JSON: position in rows from 1; 0: the batch")
    column: str
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    format: str
    status: Literal["queued", "validating", "running", "succeeded", "failed"]
    dry_run: bool
    filename: str
    size: int
    checksum: str
    rows_total: int
    rows_validated: int
    rows_done: int
    progress: float = Field(description="0 to 1: validation counts for the first half, the apply phase for the second")
    errors: list[RowErrorOut]
    errors_total: int
    summary: dict[str, Any] = Field(description="documents, created, updated, unchanged, results: [{rows, external_id, action, id}]")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ImportErrorOut(FieldError):
    row: int | None = Field(None, description="A row error of the batch: the row (as in RowErrorOut); absent for a request error")
    column: str | None = Field(None, description="A row error of the batch: the column (empty: the whole row); absent otherwise")


class ImportProblem(Schema):
    """A 422: a request error (a Problem), or a batch with invalid rows (every row's errors, and the failed batch)."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable reason (import_invalid: rows are invalid)")
    errors: list[ImportErrorOut] = Field(default_factory=list, description="Per-field or per-row problems")
    import_: ImportOut | None = Field(None, alias="import", description="The failed batch, when rows were invalid")


class ImportQuery(Schema):
    kind: Literal["invoices", "orders", "payments", "purchase_orders", "companies"] | None = Field(
        None, description="Required unless the JSON batch names it"
    )
    dry_run: bool = Field(False, description="Validate and report what would happen; write nothing")
    background: bool = Field(False, description="Run as a background job even when the batch is small")


class ImportListQuery(Schema):
    limit: Limit = 50
    cursor: Cursor | None = None


def import_out(batch: ImportBatch) -> dict[str, Any]:
    total = batch.rows_total or 0
    if batch.status == ImportStatus.SUCCEEDED or not total:
        progress = 1.0 if batch.is_finished else 0.0
    else:
        progress = round((min(batch.rows_validated, total) + min(batch.rows_done, total)) / (2 * total), 4)
    return {
        "id": batch.pk, "kind": batch.kind, "format": batch.format, "status": batch.status, "dry_run": batch.dry_run,
        "filename": batch.filename, "size": batch.size, "checksum": batch.checksum, "rows_total": total,
        "rows_validated": batch.rows_validated, "rows_done": batch.rows_done, "progress": progress, "errors": batch.errors,
        "errors_total": batch.errors_total, "summary": batch.summary, "created_at": batch.created_at,
        "started_at": batch.started_at, "finished_at": batch.finished_at,
    }  # fmt: skip


def _invalid(batch: ImportBatch) -> HttpResponse:
    shown = len(batch.errors)
    more = f" (the first {shown} are listed)" if batch.errors_total > shown else ""
    body = {
        "type": f"{TYPE_PREFIX}import_invalid",
        "title": "The batch has errors; nothing was imported",
        "status": 422,
        "detail": f"{batch.errors_total} error(s){more}; nothing was written. Fix the rows and send the whole batch again.",
        "code": "import_invalid",
        "errors": [{"field": f"rows[{e['row']}].{e['column']}" if e["column"] else f"rows[{e['row']}]", **e} for e in batch.errors],
        "import": json.loads(ImportOut.model_validate(import_out(batch)).model_dump_json()),
    }
    return HttpResponse(json.dumps(body), status=422, content_type=PROBLEM_CONTENT_TYPE)


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, up to MAX_BYTES (Django's 2.5 MB form-data cap does not apply to a file import); None when larger."""
    if hasattr(request, "_body"):  # read already (the Idempotency-Key fingerprint does)
        body: bytes = request._body
        return body if len(body) <= MAX_BYTES else None
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES:
        return None
    body = request.read(MAX_BYTES + 1)
    return body if len(body) <= MAX_BYTES else None


def _too_large() -> HttpResponse:
    return problem(
        status=413,
        code="payload_too_large",
        title="Batch too large",
        detail=f"At most {MAX_BYTES // (1024 * 1024)} MB per batch; split the file.",
    )


def _upload(request: HttpRequest, kind: str | None) -> tuple[str, str, bytes | None, str]:
    """(kind, format, payload or None when too large, file name) from a multipart, CSV or JSON request."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("file: send the CSV or JSON file in the form field 'file'.", field="file")
        name = upload.name or ""
        fmt = request.POST.get("format") or (ImportFormat.JSON if name.lower().endswith(".json") else ImportFormat.CSV)
        payload = upload.read() if (upload.size or 0) <= MAX_BYTES else None
        return request.POST.get("kind") or kind or "", fmt, payload, name
    if content_type in ("text/csv", "text/plain"):
        return kind or "", ImportFormat.CSV, _read_body(request), ""
    if content_type == "application/json":
        payload = _read_body(request)
        if payload is not None and not kind:
            try:
                body = json.loads(payload)
            except (ValueError, RecursionError):
                raise ValidationFailed("body: not valid JSON.", field="body") from None
            kind = body.get("kind") if isinstance(body, dict) and isinstance(body.get("kind"), str) else None
        return kind or "", ImportFormat.JSON, payload, ""
    raise ValidationFailed(
        f"Content-Type: '{content_type}' is not an import; send multipart/form-data, text/csv or application/json.", field="Content-Type"
    )


@router.post(
    "/imports",
    response=responses({200: ImportOut, 202: ImportOut, 422: ImportProblem}, (400, 401, 403, 409, 413)),
    summary="Import invoices, orders or payments (CSV or JSON batch)",
    description=(
        "The whole batch is validated first; any invalid row → nothing is written and the 422 lists every row's errors "
        "(row, column, message). Rows are upserted by (source, external_id): importing the same file again changes nothing. "
        f"Batches of more than {SYNC_MAX_ROWS} rows (or with ?background=true) run as a background job: 202, then follow "
        "GET /imports/{id}. Columns: docs/imports.md."
    ),
    openapi_extra={"requestBody": IMPORT_BODY},
)
@body_limit(MAX_BYTES)
def create_import(request: HttpRequest, response: HttpResponse, params: Query[ImportQuery]) -> Any:
    user = caller(request)
    kind, fmt, payload, filename = _upload(request, params.kind)
    if kind not in ImportKind.values:
        raise ValidationFailed(
            f"kind: one of {', '.join(ImportKind.values)} (?kind=, a form field, or the JSON batch's kind).", field="kind"
        )
    require(request, *KIND_PERMISSIONS[kind])
    if payload is None:
        return _too_large()
    batch = import_batch_create(actor=user, kind=kind, fmt=fmt, payload=payload, filename=filename, dry_run=params.dry_run)
    if batch.status == ImportStatus.FAILED:
        return _invalid(batch)
    if params.background or batch.rows_total > SYNC_MAX_ROWS:
        import_batch_enqueue(batch)
        batch.refresh_from_db()
        response["Location"] = f"{request.path.rstrip('/')}/{batch.pk}"
        return Status(202, import_out(batch))
    batch = import_batch_run(batch_id=batch.pk)
    if batch.status == ImportStatus.FAILED:
        return _invalid(batch)
    return Status(200, import_out(batch))


@router.get(
    "/imports",
    response=responses({200: Page[ImportOut]}, READ_ERRORS),
    summary="List import batches",
    description="Seller staff: the batches they started; with integrations.manage, every batch. Company users: 403.",
)
def list_imports(request: HttpRequest, params: Query[ImportListQuery]) -> dict[str, Any]:
    batches = import_batches_visible_to(require_seller_staff(request)).order_by("-pk")
    rows, cursor = paginate(batches, cursor=params.cursor, limit=params.limit)
    return {"items": [import_out(b) for b in rows], "next_cursor": cursor}


@router.get(
    "/imports/{batch_id}",
    response=responses({200: ImportOut}, READ_ONE_ERRORS),
    summary="An import batch: status, progress, errors",
    description="A batch you started (any batch with integrations.manage); another is a 404. Company users: 403.",
)
def get_import(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    batch = import_batches_visible_to(require_seller_staff(request)).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"No import {batch_id} that you can see.")
    return import_out(import_batch_reap(batch))


def _csv_response(chunks: Any, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.csv"'
    return response


@router.get(
    "/invoices/export.csv",
    response=responses({}, READ_ERRORS),
    summary="Export invoices as CSV (the list's filters)",
    description="Exactly the documents `GET /invoices` lists with the same filters, in its order, streamed. Columns: docs/imports.md.",
    openapi_extra={"responses": CSV_RESPONSE},
)
def export_invoices(request: HttpRequest, filters: Query[InvoiceFilterQuery]) -> StreamingHttpResponse:
    scope = visible_invoices(request, seller_perm="invoices.export", buyer_perm="portal.export")
    data = filters.model_dump(exclude={"company"})
    invoices = invoice_list(scope, InvoiceFilters(company_id=filters.company, **data))
    return _csv_response(invoice_csv(invoices), "invoices")


@router.get(
    "/payments/export.csv",
    response=responses({}, READ_ERRORS),
    summary="Export payments as CSV (the list's filters)",
    description="Exactly the payments `GET /payments` lists with the same filters, in its order, streamed. Seller staff.",
    openapi_extra={"responses": CSV_RESPONSE},
)
def export_payments(request: HttpRequest, filters: Query[PaymentFilterQuery]) -> StreamingHttpResponse:
    require(request, "payments.view", "invoices.export")
    data = filters.model_dump(exclude={"company"})
    payments = payment_filter(Payment.objects.all(), PaymentFilters(company_id=filters.company, **data))
    return _csv_response(payment_csv(payments), "payments")
