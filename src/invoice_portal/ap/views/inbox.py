"""The AP inbox: received invoices by status, filtered, exported; one invoice against its PO and receipts."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.ap.forms import InboxFilterForm
from invoice_portal.ap.permissions import ap_can, ap_required
from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.audit.trail import audit_trail
from invoice_portal.core.downloads import file_download
from invoice_portal.core.errors import DomainError
from invoice_portal.core.money import as_str
from invoice_portal.core.pagination import paginate_rows
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.payables import selectors
from invoice_portal.payables.services import received_invoice_cancel

EXPORT_COLUMNS = ("id", "supplier", "supplier_external_id", "number", "kind", "po_number", "status", "reason", "issue_date", "due_date",
                  "currency", "gross", "discount", "net", "tax", "total", "source", "non_invoice_order")  # fmt: skip


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


@require_GET
@ap_required("ap.view")
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    visible = selectors.received_invoices_visible_to(request.user)
    page = paginate_rows(selectors.received_invoice_list(visible, form.to_filters()), request.GET.get("page"), 50)
    counts = selectors.status_counts(visible)
    context = {"form": form, "page": page, "counts": [(s.value, s.label, counts[s.value]) for s in ReceivedStatus],
               "waiting_intakes": selectors.waiting_einvoices().count()}  # fmt: skip
    template = "ap/partials/inbox_results.html" if _is_htmx(request) else "ap/inbox.html"
    return render(request, template, context)


@require_GET
@ap_required("ap.view")
def inbox_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of exactly the filtered set (streamed)."""
    form = InboxFilterForm(request.GET)
    rows = selectors.received_invoice_list(selectors.received_invoices_visible_to(request.user), form.to_filters())

    def lines() -> Iterator[str]:
        class Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(Echo())
        yield writer.writerow(EXPORT_COLUMNS)
        for inv in rows.iterator(chunk_size=500):
            c = inv.currency
            yield writer.writerow([
                inv.pk, inv.company.name, inv.company.external_id or "", inv.number, inv.kind, inv.order.po_number if inv.order else "",
                inv.ap_status, inv.ap_reason, inv.issue_date or "", inv.due_date or "", c, as_str(inv.line_net_total, c),
                as_str(inv.allowance_total, c), as_str(inv.tax_exclusive_total, c), as_str(inv.tax_total, c), as_str(inv.total, c),
                inv.source, "yes" if inv.order and inv.order.no_invoice_expected else "no",
            ])  # fmt: skip

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="received-invoices.csv"'
    return response


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    invoice = selectors.received_invoice_for(request.user, pk)
    if invoice is None:
        raise Http404("No such received invoice.")
    return invoice


@require_GET
@ap_required(None)
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``ap.view``, or the invoice waits for the signed-in requester's review or approval (they must see what they accept)."""
    from invoice_portal.ap.views.matching import match_context, waits_for

    if ap_can(request.user, "ap.view"):
        invoice = _invoice(request, pk)
    elif waits_for(request.user, pk):
        found = selectors.received_invoice_detail(Invoice.objects.filter(direction="received"), pk)
        if found is None:
            raise Http404("No such received invoice.")
        invoice = found
    else:
        raise PermissionDenied("Needs the 'ap.view' permission.")
    received = selectors.receipts_by_po_line(invoice)
    rows = [(ln, ln.order_line, received[ln.order_line_id] if ln.order_line_id else None) for ln in invoice.lines.all()]
    context = {
        "invoice": invoice, "rows": rows, "attachments": selectors.attachments_of(invoice),
        "audit": audit_trail(audit_events_for(invoice).order_by("at", "pk"), currency=invoice.currency),
        "credits": invoice.memos.order_by("pk"),
        "may_cancel": invoice.created_by_id == request.user.pk, **match_context(invoice, request.user),
    }  # fmt: skip
    return render(request, "ap/invoice_detail.html", context)


@require_POST
@ap_required("ap.enter")
def invoice_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    try:
        received_invoice_cancel(actor=request.user, invoice=invoice, reason=request.POST.get("reason", "")[:500])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.number} canceled.")
    return redirect("ap:ap_invoice_detail", pk=pk)


@require_GET
@ap_required("ap.view")
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    attachment = selectors.attachment_of(invoice, attachment_pk)
    if attachment is None:
        raise Http404("No such attachment.")
    return file_download(
        bytes(attachment.content), filename=attachment.filename, content_type=selectors.attachment_content_type(attachment)
    )
