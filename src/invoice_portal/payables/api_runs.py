"""Transaction runs over the API, so an ERP can pull: list, start one, download its CSV, JSON or UBL zip again (``ap.export``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status

from invoice_portal.api.access import require
from invoice_portal.api.pagination import paginate
from invoice_portal.api.schemas import CREATE_ERRORS, READ_ERRORS, READ_ONE_ERRORS, Cursor, Id, Limit, Page, responses
from invoice_portal.core.errors import NotFound
from invoice_portal.payables.models import TransactionRun
from invoice_portal.payables.services.transaction_runs import run_file, transaction_run_create

transaction_runs_router = Router()


class UblLeftOut(Schema):
    invoice_id: int
    supplier: str
    supplier_invoice_number: str | None
    reason: str


class TransactionRunOut(Schema):
    id: int
    created_at: dt.datetime
    created_by: str | None
    invoice_count: int
    invoices: list[int]
    csv_sha256: str
    json_sha256: str
    csv_url: str
    json_url: str
    ubl_sha256: str | None
    ubl_url: str | None
    ubl_left_out: list[UblLeftOut]


class RunQuery(Schema):
    limit: Limit = 50
    cursor: Cursor | None = None


def run_out(run: TransactionRun) -> dict[str, Any]:
    return {
        "id": run.pk, "created_at": run.created_at, "created_by": run.created_by.email if run.created_by else None,
        "invoice_count": run.invoice_count, "invoices": sorted(item.invoice_id for item in run.items.all()),
        "csv_sha256": run.csv_sha256, "json_sha256": run.json_sha256,
        "csv_url": f"/api/v1/transaction-runs/{run.pk}/csv", "json_url": f"/api/v1/transaction-runs/{run.pk}/json",
        "ubl_sha256": run.ubl_sha256 or None, "ubl_url": f"/api/v1/transaction-runs/{run.pk}/ubl" if run.ubl_sha256 else None,
        "ubl_left_out": run.ubl_left_out,
    }  # fmt: skip


def _run(run_id: int) -> TransactionRun:
    run = TransactionRun.objects.select_related("created_by").prefetch_related("items").filter(pk=run_id).first()
    if run is None:
        raise NotFound(f"Transaction run {run_id} not found.")
    return run


@transaction_runs_router.get("", response=responses({200: Page[TransactionRunOut]}, READ_ERRORS), summary="List transaction runs")
def list_transaction_runs(request: HttpRequest, filters: Query[RunQuery]) -> dict[str, Any]:
    require(request, "ap.export")
    qs = (
        TransactionRun.objects.defer("csv_content", "json_content", "ubl_content")
        .select_related("created_by")
        .prefetch_related("items")
        .order_by("-pk")
    )
    rows, cursor = paginate(qs, cursor=filters.cursor, limit=filters.limit)
    return {"items": [run_out(r) for r in rows], "next_cursor": cursor}


@transaction_runs_router.post(
    "",
    response=responses({201: TransactionRunOut}, CREATE_ERRORS),
    summary="Export every accepted received invoice not yet exported (they become Downloaded); 409 when there is none",
)
def create_transaction_run(request: HttpRequest) -> Status:
    user = require(request, "ap.export")
    run = transaction_run_create(actor=user)
    return Status(201, run_out(_run(run.pk)))


@transaction_runs_router.get("/{run_id}", response=responses({200: TransactionRunOut}, READ_ONE_ERRORS), summary="A transaction run")
def get_transaction_run(request: HttpRequest, run_id: Id) -> dict[str, Any]:
    require(request, "ap.export")
    return run_out(_run(run_id))


def _download(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    require(request, "ap.export")
    run = _run(run_id)
    file = run_file(run, fmt)
    if file is None:
        raise NotFound(f"Transaction run {run_id} has no {fmt.upper()} file (it was made before that format was exported).")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Digest"] = f"sha-256={file.sha256}"
    return response


@transaction_runs_router.get("/{run_id}/csv", response=responses({200: None}, READ_ONE_ERRORS), summary="A transaction run's CSV, again")
def download_transaction_run_csv(request: HttpRequest, run_id: Id) -> HttpResponse:
    return _download(request, run_id, "csv")


@transaction_runs_router.get("/{run_id}/json", response=responses({200: None}, READ_ONE_ERRORS), summary="A transaction run's JSON, again")
def download_transaction_run_json(request: HttpRequest, run_id: Id) -> HttpResponse:
    return _download(request, run_id, "json")


@transaction_runs_router.get(
    "/{run_id}/ubl", response=responses({200: None}, READ_ONE_ERRORS),
    summary="A transaction run's UBL zip (one EN 16931 document per invoice and a manifest), again",
)  # fmt: skip
def download_transaction_run_ubl(request: HttpRequest, run_id: Id) -> HttpResponse:
    return _download(request, run_id, "ubl")
