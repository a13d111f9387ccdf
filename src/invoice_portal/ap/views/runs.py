"""Transaction runs in the AP app: the list, start one, download a run's files (CSV, JSON, UBL zip) again (``ap.export``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.ap.permissions import ap_required
from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.models import Direction, Invoice, ReceivedStatus
from invoice_portal.payables.models import TransactionRun
from invoice_portal.payables.services.transaction_runs import run_file, transaction_run_create


@require_GET
@ap_required("ap.export")
def runs(request: HttpRequest) -> HttpResponse:
    waiting = Invoice.objects.filter(direction=Direction.RECEIVED, ap_status=ReceivedStatus.ACCEPTED, transaction_run_item__isnull=True)
    rows = (
        TransactionRun.objects.defer("csv_content", "json_content", "ubl_content")
        .select_related("created_by")
        .prefetch_related("items__invoice__company")
        .order_by("-pk")[:100]
    )
    return render(request, "ap/runs.html", {"runs": rows, "waiting": waiting.count()})


@require_POST
@ap_required("ap.export")
def run_start(request: HttpRequest) -> HttpResponse:
    try:
        run = transaction_run_create(actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Transaction run {run.pk}: {run.invoice_count} invoices exported.")
    return redirect("ap:ap_runs")


@require_GET
@ap_required("ap.export")
def run_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    run = TransactionRun.objects.filter(pk=pk).first()
    file = run_file(run, fmt) if run is not None else None
    if file is None:
        raise Http404("No such transaction run file.")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file.filename)
    return response
