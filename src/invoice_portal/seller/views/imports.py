"""Import with preview: upload a CSV/JSON batch, read the dry run's errors row by row, then import it for real.

Only the import app's public functions are used (``import_batch_create``/``_enqueue``/``_run``/``_reap`` and
``import_batches_visible_to``); who may import which kind is the API's rule (``KIND_PERMISSIONS``). A batch of
more than ``SYNC_MAX_ROWS`` rows runs on the worker and the page polls its progress with htmx.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.imports.api import KIND_PERMISSIONS, SYNC_MAX_ROWS
from invoice_portal.imports.models import ACTIVE_STATUSES, ImportBatch, ImportFormat, ImportKind, ImportStatus
from invoice_portal.imports.selectors import import_batches_visible_to
from invoice_portal.imports.services import import_batch_create, import_batch_enqueue, import_batch_reap, import_batch_run
from invoice_portal.seller.forms import attach_error
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    file = forms.FileField(label="CSV or JSON file", help_text="Columns: docs/imports.md. Nothing is written until you import it.")


def _may_import(user: Any, kind: str) -> bool:
    return all(seller_can(user, code) for code in KIND_PERMISSIONS[kind])


def _start(batch: ImportBatch) -> ImportBatch:
    """Run a small batch now (as the API does); a large one on the worker, followed by the page's progress bar."""
    if batch.status != ImportStatus.QUEUED:
        return batch
    if batch.rows_total > SYNC_MAX_ROWS:
        import_batch_enqueue(batch)
        return batch
    return import_batch_run(batch_id=batch.pk)


@require_http_methods(["GET", "POST"])
@seller_required("invoices.view")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        if not _may_import(request.user, kind):
            raise PermissionDenied(f"Importing {kind} needs {', '.join(KIND_PERMISSIONS[kind])}.")
        fmt = ImportFormat.JSON if upload.name.lower().endswith(".json") else ImportFormat.CSV
        try:
            batch = import_batch_create(actor=request.user, kind=kind, fmt=fmt, payload=upload.read(), filename=upload.name, dry_run=True)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            return redirect("seller:import_detail", pk=_start(batch).pk)
    batches = import_batches_visible_to(request.user).order_by("-pk")[:20]
    return render_page(request, "seller/imports/upload.html", {"form": form, "batches": batches})


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    batch = import_batches_visible_to(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404("No such import.")
    return import_batch_reap(batch)


@require_http_methods(["GET"])
@seller_required("invoices.view")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    done = batch.rows_validated + batch.rows_done
    total = batch.rows_total * (1 if batch.dry_run else 2)
    context = {
        "batch": batch,
        "active": batch.status in (ImportStatus.QUEUED, *ACTIVE_STATUSES),
        "percent": min(100, round(100 * done / total)) if total else 0,
        "can_commit": batch.dry_run and batch.status == ImportStatus.SUCCEEDED and _may_import(request.user, batch.kind),
    }
    return render_page(request, "seller/imports/detail.html", context, partial="seller/partials/import_status.html")


@require_POST
@seller_required("invoices.view")
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import for real what the dry run checked: the same file, as a new batch (the dry run stays as it was)."""
    checked = _batch(request, pk)
    if not (checked.dry_run and checked.status == ImportStatus.SUCCEEDED):
        messages.error(request, "Only a dry run without errors can be imported.")
        return redirect("seller:import_detail", pk=pk)
    if not _may_import(request.user, checked.kind):
        raise PermissionDenied(f"Importing {checked.kind} needs {', '.join(KIND_PERMISSIONS[checked.kind])}.")
    payload = bytes(ImportBatch.objects.values_list("payload", flat=True).get(pk=checked.pk))
    batch = import_batch_create(actor=request.user, kind=checked.kind, fmt=checked.format, payload=payload, filename=checked.filename)
    return redirect("seller:import_detail", pk=_start(batch).pk)
