"""The invoice list with its tabs, filters and CSV export; the invoice ("eye") view, its PDF and e-invoice, disputes and promises."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.core.csv_export import csv_response, export_filename
from invoice_portal.core.errors import DomainError
from invoice_portal.core.links import pk_links
from invoice_portal.core.money import format_money
from invoice_portal.documents.einvoice.cii import cii_filename, invoice_cii
from invoice_portal.documents.einvoice.ubl import invoice_ubl, ubl_filename
from invoice_portal.invoices.listing import InvoiceCells, invoice_cells
from invoice_portal.invoices.models import DisputeStatus, Invoice, Kind, Status
from invoice_portal.invoices.selectors import LineView, invoices_visible_to, line_views
from invoice_portal.invoices.services import dispute_open
from invoice_portal.invoices.totals import LineInput, compute_totals
from invoice_portal.invoices.wording import request_wording
from invoice_portal.payments.checkout import may_apply_credit, payable_invoices, reserved_amounts
from invoice_portal.portal import selectors
from invoice_portal.portal.exports import INVOICE_HEADER, invoice_rows
from invoice_portal.portal.forms import TABS, DisputeForm, InvoiceFilterForm, PromiseForm, attach_error
from invoice_portal.portal.permissions import portal_can, portal_required
from invoice_portal.portal.rendering import render_page
from invoice_portal.portal.views.common import invoice_or_404, paginate
from invoice_portal.remittances import selectors as remittance_selectors
from invoice_portal.remittances.services import promise_to_pay_create


def _filtered(request: HttpRequest, permission: str) -> tuple[InvoiceFilterForm, QuerySet[Invoice], QuerySet[Invoice]]:
    """The filter form, the user's scope under ``permission`` and the filtered, sorted rows of that scope."""
    scope = invoices_visible_to(request.user, permission)
    form = InvoiceFilterForm(request.GET, companies=selectors.scope_companies(scope), wording=request_wording(request))
    return form, scope, selectors.portal_invoice_list(scope, form.to_filters(), po_number=form.po_term())


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of the buyer's invoice list: the shared cells (``invoices.listing``) and the portal's own."""

    cells: InvoiceCells
    url: str
    pdf_url: str
    payable: bool  # offered in "Pay selected"
    company: str
    order: str | None  # the order's external id; None without an order
    po_number: str  # the invoice's PO number, else its order's


def list_rows(request: HttpRequest, invoices: Iterable[Invoice], payable: set[int]) -> list[ListRow]:
    wording = request_wording(request)
    today = timezone.localdate()
    detail, pdf = pk_links("portal:invoice_detail"), pk_links("portal:invoice_pdf")
    return [
        ListRow(
            cells=invoice_cells(inv, wording=wording, today=today),
            url=detail(inv.pk),
            pdf_url=pdf(inv.pk),
            payable=inv.pk in payable,
            company=inv.company.name,
            order=inv.order.external_id if inv.order else None,
            po_number=inv.po_number or (inv.order.po_number if inv.order else ""),
        )
        for inv in invoices
    ]


@require_GET
@portal_required("portal.view")
def invoice_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form, scope, invoices = _filtered(request, "portal.view")
    page = paginate(request, invoices)
    can_pay = portal_can(user, "portal.pay")
    shown = [inv.pk for inv in page]
    payable = set(payable_invoices(user).filter(pk__in=shown).values_list("pk", flat=True)) if can_pay and shown else set()
    context = {
        "form": form,
        "page": page,
        "rows": list_rows(request, page, payable),
        "tab": form.current_tab,
        "tabs": TABS,
        "sort": form.current_sort,
        "position": selectors.open_position(scope, user, with_credit=can_pay and may_apply_credit(user)),
        "can_pay": can_pay,
        "payable": payable,
        "scope_words": selectors.scope_words(user),
    }
    return render_page(request, "portal/invoices/list.html", context, partial="portal/partials/invoice_results.html")


@require_GET
@portal_required("portal.export")
def invoice_export(request: HttpRequest) -> StreamingHttpResponse:
    """Exactly the rows of the list under the same tab, filters and sort, every page of them."""
    _, _, invoices = _filtered(request, "portal.export")
    return csv_response(export_filename("invoices"), INVOICE_HEADER, invoice_rows(invoices))


# --- The invoice ("eye") view ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    view: LineView
    dispute_form: DisputeForm | None  # None: this line cannot be disputed now (or not by this user)
    open_dispute: bool


def _line_rows(invoice: Invoice, lines: list[LineView], *, may_dispute: bool, bound: DisputeForm | None) -> list[LineRow]:
    rows = []
    for view in lines:
        disputed = view.code == "disputed"
        form: DisputeForm | None = None
        if may_dispute and not disputed:
            form = DisputeForm(initial={"line": view.line.pk}, prefix=f"line{view.line.pk}")
            if bound is not None and bound.data.get(f"{bound.prefix}-line") == str(view.line.pk):
                form = bound
        rows.append(LineRow(view, form, disputed))
    return rows


def _unplaced_errors(bound: DisputeForm | None, rows: list[LineRow]) -> list[str]:
    """The errors of a dispute form that has no line to be shown on (already disputed, or not on this invoice)."""
    if bound is None or any(row.dispute_form is bound for row in rows):
        return []
    return [str(error) for errors in bound.errors.values() for error in errors]


def _tax_breakdown(invoice: Invoice, lines: list[LineView]) -> list[tuple[str, str, str, str]]:
    """(category, rate, base, tax) rows, recomputed from the stored lines by the domain's totals function."""
    totals = compute_totals(
        (LineInput(v.line.quantity, v.line.unit_price, v.line.discount, v.line.tax_category, v.line.tax_rate) for v in lines),
        currency=invoice.currency, discount=invoice.discount, discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )  # fmt: skip
    return [
        (b.category, f"{b.rate.normalize():f}", format_money(b.base, invoice.currency), format_money(b.tax, invoice.currency))
        for b in totals.breakdown
    ]


def invoice_page(
    request: HttpRequest, invoice: Invoice, *, dispute_form: DisputeForm | None = None, promise_form: PromiseForm | None = None
) -> HttpResponse:
    """The invoice view; a bound form (with its errors) replaces the blank one it came from."""
    user = request.user
    debit = invoice.kind != Kind.CREDIT_NOTE
    live = invoice.status in (Status.OPEN, Status.PARTIALLY_PAID)
    sees_history = portal_can(user, "portal.payment_history") and selectors.is_visible(user, invoice, "portal.payment_history")
    may_dispute = (
        debit and invoice.status not in (Status.DRAFT, Status.CANCELED) and portal_can(user, "portal.dispute")
        and selectors.is_visible(user, invoice, "portal.dispute")
    )  # fmt: skip
    may_pay = (
        debit and live and invoice.balance > 0 and portal_can(user, "portal.pay") and selectors.is_visible(user, invoice, "portal.pay")
    )
    lines = line_views(invoice)
    rows = _line_rows(invoice, lines, may_dispute=may_dispute, bound=dispute_form)
    allocations = list(selectors.invoice_payment_history(user, invoice)) if sees_history else []
    context: dict[str, Any] = {
        "invoice": invoice,
        "currency": invoice.currency,
        "lines": rows,
        "order_visible": selectors.order_is_visible(user, invoice.order_id),
        "dispute_errors": _unplaced_errors(dispute_form, rows),
        "may_dispute": may_dispute,
        "tax_breakdown": _tax_breakdown(invoice, lines),
        "sees_history": sees_history,
        "payments": [a for a in allocations if a.payment_id is not None],
        "credits": [a for a in allocations if a.credit_note_id is not None],
        "applied": list(invoice.applied_allocations.filter(amount__gt=0).select_related("invoice")) if not debit else [],
        "memos": list(invoices_visible_to(user, "portal.detail").filter(related_invoice=invoice).order_by("issue_date", "pk")),
        "disputes": list(selectors.invoice_disputes(invoice)),
        "open_disputes": invoice.disputes.filter(status=DisputeStatus.OPEN).count(),
        "pending": reserved_amounts([invoice.pk]).get(invoice.pk) if sees_history and live else None,
        "may_pay": may_pay,
        "may_pdf": portal_can(user, "portal.pdf") and selectors.is_visible(user, invoice, "portal.pdf"),
        "promises": remittance_selectors.promise_views(invoice) if sees_history or may_pay else [],
        "promise_form": promise_form if promise_form is not None else (PromiseForm(prefix="promise") if may_pay else None),
    }
    return render_page(request, "portal/invoices/detail.html", context)


@require_GET
@portal_required("portal.detail")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return invoice_page(request, invoice_or_404(request, pk, "portal.detail"))


@require_GET
@portal_required("portal.pdf")
def invoice_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as PDF (rendered once per document state by the documents app, then cached)."""
    from invoice_portal.documents.pdf import invoice_pdf

    pdf = invoice_pdf(invoice_or_404(request, pk, "portal.pdf"))
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@portal_required("portal.pdf")
def invoice_ubl_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a UBL 2.1 e-invoice (Peppol BIS Billing 3.0), under the same permission and scope as its PDF."""
    invoice = invoice_or_404(request, pk, "portal.pdf")
    try:
        content = invoice_ubl(invoice)
    except DomainError as exc:  # a document whose stored totals disagree with its lines is not exported
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{ubl_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@portal_required("portal.pdf")
def invoice_cii_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The document as a CII e-invoice (EN 16931), under the same permission and scope as its PDF and UBL."""
    invoice = invoice_or_404(request, pk, "portal.pdf")
    try:
        content = invoice_cii(invoice)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{cii_filename(invoice)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@portal_required("portal.pdf")
def invoice_einvoice_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The document as Factur-X, XRechnung, or (``fmt`` "preferred") in its company's preferred format,
    under the same permission and scope as its PDF."""
    from invoice_portal.documents.einvoice.delivery import einvoice_file, preferred_download

    invoice = invoice_or_404(request, pk, "portal.pdf")
    try:
        file = preferred_download(invoice) if fmt == "preferred" else einvoice_file(invoice, fmt)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _back_to(invoice: Invoice, anchor: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('portal:invoice_detail', args=[invoice.pk])}#{anchor}", status=303)


@require_POST
@portal_required("portal.dispute")
def invoice_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """Dispute one line of the invoice: a reason code and what is wrong. The invoice gets no reminders while it is open."""
    invoice = invoice_or_404(request, pk, "portal.dispute")
    prefix = next((key.removesuffix("-line") for key in request.POST if key.endswith("-line")), "")
    form = DisputeForm(request.POST, prefix=prefix or None)
    if form.is_valid():
        line = invoice.lines.filter(pk=form.cleaned_data["line"]).first()
        if line is None:
            form.add_error(None, "That line is not on this invoice.")
        else:
            try:
                dispute_open(actor=request.user, line=line, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"])
            except DomainError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, f"Line {line.line_no} is disputed. The seller will answer here; no reminders meanwhile.")
                return _back_to(invoice, "disputes")
    return invoice_page(request, invoice, dispute_form=form)


@require_POST
@portal_required("portal.pay")
def invoice_promise(request: HttpRequest, pk: int) -> HttpResponse:
    """Promise to pay an amount on the invoice by a date."""
    invoice = invoice_or_404(request, pk, "portal.pay")
    form = PromiseForm(request.POST, prefix="promise")
    if form.is_valid():
        try:
            promise = promise_to_pay_create(
                actor=request.user, invoice=invoice, date=form.cleaned_data["date"], amount=form.cleaned_data["amount"],
                note=form.cleaned_data.get("note") or "",
            )  # fmt: skip
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(
                request,
                f"Thank you: your promise to pay {format_money(promise.amount, promise.currency)} by {promise.date:%Y-%m-%d} is recorded.",
            )
            return _back_to(invoice, "promises")
    return invoice_page(request, invoice, promise_form=form)


@require_GET
@portal_required("portal.view")
def portal_home(request: HttpRequest) -> HttpResponse:
    return redirect("portal:invoices")
