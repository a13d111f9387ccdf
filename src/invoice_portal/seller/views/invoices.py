"""The invoice dashboard, its CSV export, and the invoice page (detail + editor)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.audit.trail import audit_trail
from invoice_portal.companies.models import Company
from invoice_portal.core.db_router import replica_rows
from invoice_portal.core.errors import DomainError
from invoice_portal.core.ids import parse_id
from invoice_portal.core.links import pk_links
from invoice_portal.core.money import format_money
from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.documents.einvoice.cii import cii_filename, invoice_cii
from invoice_portal.documents.einvoice.ubl import invoice_ubl, ubl_filename
from invoice_portal.documents.selectors import latest_response, original_of, responses_of, with_response_status
from invoice_portal.documents.templatetags.einvoice import response_badge
from invoice_portal.invoices.listing import InvoiceCells, invoice_cells
from invoice_portal.invoices.models import Direction, Dispute, DisputeStatus, Invoice, Kind, Status
from invoice_portal.invoices.selectors import invoice_list, invoice_summary_status, invoices_visible_to, line_views
from invoice_portal.invoices.services import invoice_create, invoice_update
from invoice_portal.invoices.services.documents import EDITABLE_STATUSES
from invoice_portal.invoices.services.holds import HOLDABLE
from invoice_portal.invoices.wording import request_wording
from invoice_portal.notifications.selectors import invoice_messages, reminder_blocker
from invoice_portal.notifications.services import SENDABLE
from invoice_portal.payments.selectors import allocations_to
from invoice_portal.seller import selectors
from invoice_portal.seller.editor import Editor, editor_for, editor_from, with_added_row
from invoice_portal.seller.exports import INVOICE_HEADER, csv_response, export_filename, invoice_rows
from invoice_portal.seller.forms import (
    CancelForm,
    CreditNoteForm,
    CustomerSearchForm,
    DebitNoteForm,
    DisputeCreditForm,
    DisputeRejectForm,
    HoldForm,
    InvoiceFilterForm,
    InvoiceResponseUploadForm,
    LineStatusForm,
)
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate


def _filtered(request: HttpRequest) -> tuple[InvoiceFilterForm, QuerySet[Invoice]]:
    form = InvoiceFilterForm(request.GET, wording=request_wording(request))
    invoices = invoice_list(invoices_visible_to(request.user), form.to_filters())
    return form, with_response_status(invoices, attention=form.attention_filter())


@dataclass(frozen=True, slots=True)
class DashboardRow:
    """One row of the invoice dashboard: the shared cells (``invoices.listing``) and the dashboard's own."""

    cells: InvoiceCells
    url: str
    customer: str
    customer_ref: str  # the customer's external id, or ""
    order: str  # the order's external id, or ""
    source: str
    selectable: bool  # offered to the bulk actions (not a canceled document)


def dashboard_rows(request: HttpRequest, invoices: Iterable[Invoice]) -> list[DashboardRow]:
    wording = request_wording(request)
    today = timezone.localdate()
    link = pk_links("seller:invoice_detail")
    rows = []
    for inv in invoices:
        extra = []
        response_code = getattr(inv, "response_code", None)  # annotated by ``with_response_status``
        if response_code in ("UQ", "RE"):
            extra.append(response_badge(response_code))
        if inv.hold_in_force:
            extra.append(badge_html("On hold", "grey"))
        rows.append(
            DashboardRow(
                cells=invoice_cells(inv, wording=wording, today=today, extra_badges=extra),
                url=link(inv.pk),
                customer=inv.company.name,
                customer_ref=inv.company.external_id or "",
                order=inv.order.external_id if inv.order else "",
                source=inv.get_source_display(),
                selectable=inv.status != Status.CANCELED,
            )
        )
    return rows


@require_GET
@seller_required("invoices.view")
def invoice_dashboard(request: HttpRequest) -> HttpResponse:
    form, invoices = _filtered(request)
    page = paginate(request, invoices)
    company_id = form.cleaned_data.get("company")
    context = {
        "form": form,
        "page": page,
        "rows": dashboard_rows(request, page),
        "sort": form.cleaned_data.get("sort") or "-issue_date",
        "company": Company.objects.filter(pk=company_id).first() if company_id else None,
    }
    return render_page(request, "seller/invoices/list.html", context, partial="seller/partials/invoice_results.html")


@require_GET
@seller_required("invoices.export")
def invoice_export(request: HttpRequest) -> StreamingHttpResponse:
    """Exactly the rows of the dashboard under the same filters and sort, every page of them."""
    _, invoices = _filtered(request)
    return csv_response(export_filename("invoices"), INVOICE_HEADER, replica_rows(lambda: invoice_rows(invoices)))


# --- The invoice page -----------------------------------------------------------------------------

STATUS_NOTES = {
    Status.DRAFT: "Draft: not issued yet and without a number. Lines can be edited; deleting removes it for good.",
    Status.OPEN: "Open: issued, nothing paid yet. Edits are kept as revisions in the audit trail; "
    "deleting cancels it and keeps its number.",
    Status.PARTIALLY_PAID: "Partially paid: lines can still be edited, but the total can never go below what is already allocated. "
    "It cannot be deleted or canceled.",
    Status.PAID: "Paid: complete. It can no longer be edited, canceled or deleted.",
    Status.CANCELED: "Canceled: voided and excluded from balances; its number stays used.",
}


@dataclass(frozen=True)
class InvoiceRules:
    """What the status table and the user's role allow on this document (the services enforce the same)."""

    note: str
    can_edit: bool
    can_issue: bool
    can_cancel: bool
    can_delete: bool
    can_credit: bool
    can_debit: bool
    can_send: bool
    can_remind: bool
    remind_blocked: str  # why no reminder can go out now (the reminder rule's own words), or ""
    can_hold: bool
    can_set_line_status: bool
    edit_blocked_by_status: bool


def invoice_rules(invoice: Invoice, user: Any) -> InvoiceRules:
    status = Status(invoice.status)
    unpaid_debt = status in HOLDABLE and invoice.kind != Kind.CREDIT_NOTE
    blocker = reminder_blocker(invoice) if unpaid_debt else None
    live_debit = invoice.kind != Kind.CREDIT_NOTE and status not in (Status.DRAFT, Status.CANCELED)
    editable = status in EDITABLE_STATUSES
    return InvoiceRules(
        note=STATUS_NOTES[status],
        can_edit=editable and seller_can(user, "invoices.edit"),
        can_issue=status == Status.DRAFT and seller_can(user, "invoices.issue"),
        can_cancel=status == Status.OPEN and seller_can(user, "invoices.delete"),
        can_delete=status == Status.DRAFT and seller_can(user, "invoices.delete"),
        can_credit=live_debit and seller_can(user, "memos.create"),
        can_debit=live_debit and invoice.kind == Kind.INVOICE and seller_can(user, "memos.create"),
        can_send=status in SENDABLE and invoice.direction == Direction.ISSUED and seller_can(user, "invoices.send"),
        can_remind=unpaid_debt and blocker is None and seller_can(user, "invoices.send"),
        remind_blocked=blocker or "",
        can_hold=live_debit and status in HOLDABLE and seller_can(user, "payments.record"),
        can_set_line_status=live_debit and invoice.direction == Direction.ISSUED and seller_can(user, "payments.record"),
        edit_blocked_by_status=not editable,
    )


def visible_invoice(request: HttpRequest, pk: int) -> Invoice:
    return get_object_or_404(invoices_visible_to(request.user).select_related("company", "order", "related_invoice"), pk=pk)


def invoice_page(request: HttpRequest, invoice: Invoice, *, status: int = 200, **overrides: Any) -> HttpResponse:
    """The invoice page; ``overrides`` replace a default form with a bound one that carries errors."""
    rules = invoice_rules(invoice, request.user)
    editor = overrides.pop("editor", None)
    if editor is None and rules.can_edit:
        editor = editor_for(invoice)
    credit_form = overrides.pop("credit_form", None)
    if credit_form is None and rules.can_credit:
        credit_form = CreditNoteForm(invoice=invoice, prefix="credit")
    debit_form = overrides.pop("debit_form", None)
    if debit_form is None and rules.can_debit:
        debit_form = DebitNoteForm(prefix="debit")
    lines = line_views(invoice)
    line_status_form = overrides.pop("line_status_form", None)
    if line_status_form is None and rules.can_set_line_status:
        line_status_form = LineStatusForm(prefix="line_status", line_numbers=[v.line.line_no for v in lines])
    context: dict[str, Any] = {
        "invoice": invoice,
        "currency": invoice.currency,
        "rules": rules,
        "editor": editor,
        "preview": editor.preview(invoice.currency) if editor is not None else None,
        "lines": lines,
        "summary_status": invoice_summary_status(invoice, lines, request_wording(request)),
        "line_status_form": line_status_form,
        "tax_breakdown": _tax_breakdown(invoice),
        "allocations": list(allocations_to(invoice)),
        "applied": list(invoice.applied_allocations.filter(amount__gt=0).select_related("invoice"))
        if invoice.kind == Kind.CREDIT_NOTE
        else [],
        "memos": list(selectors.invoice_memos(invoice)),
        "audit": audit_trail(audit_events_for(invoice).order_by("-at", "-pk"), currency=invoice.currency),
        "has_open_dispute": invoice.disputes.filter(status=DisputeStatus.OPEN).exists(),
        "buyer_responses": responses_of(invoice),
        "latest_response": latest_response(invoice),
        "response_form": overrides.pop("response_form", None) or InvoiceResponseUploadForm(),
        "can_record_response": seller_can(request.user, "invoices.edit"),
        "cancel_form": CancelForm(prefix="cancel"),
        "hold_form": overrides.pop("hold_form", None) or HoldForm(prefix="hold"),
        "messages_sent": list(invoice_messages(invoice)[:20]),
        "credit_form": credit_form,
        "debit_form": debit_form,
        "disputes": _dispute_rows(invoice, request.user, overrides.pop("dispute_forms", {})),
        "save_url": reverse("seller:invoice_save", args=[invoice.pk]),
        "preview_url": reverse("seller:invoice_preview", args=[invoice.pk]),
    }
    context.update(overrides)
    return render_page(request, "seller/invoices/detail.html", context, partial="seller/partials/invoice_editor.html", status=status)


@dataclass(frozen=True)
class DisputeRow:
    dispute: Dispute
    reject_form: DisputeRejectForm | None
    credit_form: DisputeCreditForm | None


def _dispute_rows(invoice: Invoice, user: Any, bound: dict[int, forms.Form]) -> list[DisputeRow]:
    """Each dispute with its two resolution forms (when open and the user may resolve); a bound form keeps its errors."""
    can_resolve = seller_can(user, "disputes.resolve")
    rows = []
    for dispute in selectors.invoice_disputes(invoice):
        reject: DisputeRejectForm | None = None
        credit: DisputeCreditForm | None = None
        if can_resolve and dispute.status == DisputeStatus.OPEN:
            reject = DisputeRejectForm(prefix=f"reject-{dispute.pk}")
            credit = DisputeCreditForm(prefix=f"credit-{dispute.pk}")
            form = bound.get(dispute.pk)
            if isinstance(form, DisputeRejectForm):
                reject = form
            elif isinstance(form, DisputeCreditForm):
                credit = form
        rows.append(DisputeRow(dispute, reject, credit))
    return rows


def _tax_breakdown(invoice: Invoice) -> list[tuple[str, str, str, str]]:
    """(category, rate, base, tax) rows, recomputed from the stored lines by the domain's totals function."""
    from invoice_portal.invoices.totals import LineInput, compute_totals

    totals = compute_totals(
        (LineInput(ln.quantity, ln.unit_price, ln.discount, ln.tax_category, ln.tax_rate) for ln in invoice.lines.all()),
        currency=invoice.currency, discount=invoice.discount, discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )  # fmt: skip
    return [
        (b.category, f"{b.rate.normalize():f}", format_money(b.base, invoice.currency), format_money(b.tax, invoice.currency))
        for b in totals.breakdown
    ]


@require_GET
@seller_required("invoices.view")
def invoice_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as PDF (rendered once per document state by the documents app, then cached)."""
    from invoice_portal.documents.pdf import invoice_pdf

    pdf = invoice_pdf(visible_invoice(request, pk))
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    return response


@require_GET
@seller_required("invoices.view")
def invoice_ubl_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0).

    A draft has no number and so no e-invoice, and a document whose stored totals no longer match its lines
    is not exported: both answer 409 with the reason.
    """
    invoice = visible_invoice(request, pk)
    try:
        content = invoice_ubl(invoice)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{ubl_filename(invoice)}"'
    return response


@require_GET
@seller_required("invoices.view")
def invoice_cii_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a UN/CEFACT CII e-invoice (EN 16931 profile); refused as the UBL download is."""
    invoice = visible_invoice(request, pk)
    try:
        content = invoice_cii(invoice)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{cii_filename(invoice)}"'
    return response


@require_GET
@seller_required("invoices.view")
def invoice_einvoice_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The document as Factur-X (PDF/A-3 with its CII) or XRechnung (UBL); refused as the UBL download is."""
    from invoice_portal.documents.einvoice.delivery import einvoice_file

    invoice = visible_invoice(request, pk)
    try:
        file = einvoice_file(invoice, fmt)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@require_GET
@seller_required("invoices.view")
def invoice_original_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file an imported document came from, byte for byte (404 for a document not imported from one)."""
    attachment = original_of(visible_invoice(request, pk))
    if attachment is None:
        raise Http404("This document was not imported from a file.")
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    return response


@require_GET
@seller_required("invoices.view")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return invoice_page(request, visible_invoice(request, pk))


def _editor_action(request: HttpRequest) -> str:
    return request.GET.get("action") or request.POST.get("action") or "save"


@require_POST
@seller_required("invoices.edit")
def invoice_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the editor (or add a line / refresh the totals without saving)."""
    invoice = visible_invoice(request, pk)
    action = _editor_action(request)
    if action in ("add_item", "add_cost"):
        editor = editor_from(with_added_row(request.POST, action.removeprefix("add_")))
        return invoice_page(request, invoice, editor=editor)
    editor = editor_from(request.POST)
    if not editor.is_valid():
        editor.errors.append("Some fields need correcting; nothing was saved.")
        return invoice_page(request, invoice, editor=editor)
    try:
        invoice_update(actor=request.user, invoice=invoice, lines=editor.line_dicts(), **editor.header.header())
    except DomainError as exc:
        editor.attach(exc)
        invoice.refresh_from_db()
        return invoice_page(request, invoice, editor=editor)
    messages.success(request, f"{invoice} saved.")
    return redirect("seller:invoice_detail", pk=invoice.pk)


@require_POST
@seller_required("invoices.view")
def invoice_preview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The totals box for what is typed in the editor; saves nothing."""
    invoice = visible_invoice(request, pk) if pk is not None else None
    if invoice is not None:
        currency = invoice.currency
    else:
        company_id = request.GET.get("company", "")
        currency = get_object_or_404(Company, pk=parse_id(company_id) or 0).currency
    context = {"preview": editor_from(request.POST).preview(currency), "currency": currency, "invoice": invoice}
    return render_page(request, "seller/partials/totals.html", context)


@require_http_methods(["GET", "POST"])
@seller_required("invoices.create")
def invoice_new(request: HttpRequest) -> HttpResponse:
    """Pick a customer, then fill in a draft invoice's header and lines."""
    search = CustomerSearchForm(request.GET)
    search.is_valid()
    query = search.cleaned_data.get("q") or ""
    company_id = parse_id(request.POST.get("company") or request.GET.get("company"))
    company = get_object_or_404(Company, pk=company_id, is_customer=True) if company_id is not None else None
    context: dict[str, Any] = {"search": search, "matches": selectors.customer_choices(query) if query else [], "company": company}
    if company is None:
        return render_page(request, "seller/invoices/new.html", context, partial="seller/partials/customer_matches.html")
    editor: Editor
    if request.method == "POST":
        action = _editor_action(request)
        if action in ("add_item", "add_cost"):
            editor = editor_from(with_added_row(request.POST, action.removeprefix("add_")))
        else:
            editor = editor_from(request.POST)
            if editor.is_valid():
                try:
                    invoice = invoice_create(actor=request.user, company=company, lines=editor.line_dicts(), **editor.header.header())
                except DomainError as exc:
                    editor.attach(exc)
                else:
                    messages.success(request, f"Draft {invoice.get_kind_display().lower()} #{invoice.pk} created for {company}.")
                    return redirect("seller:invoice_detail", pk=invoice.pk)
            else:
                editor.errors.append("Some fields need correcting; nothing was saved.")
    else:
        editor = editor_for(None)
    context.update(
        editor=editor,
        currency=company.currency,
        preview=editor.preview(company.currency),
        save_url=f"{reverse('seller:invoice_new')}?company={company.pk}",
        preview_url=f"{reverse('seller:invoice_new_preview')}?company={company.pk}",
    )
    partial = "seller/partials/invoice_editor.html" if request.method == "POST" else None
    return render_page(request, "seller/invoices/new.html", context, partial=partial)
