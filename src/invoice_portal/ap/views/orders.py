"""Purchase orders in AP: list, detail with receipts and invoices, record a receipt, key an invoice
against a PO (the flip screen, with the supplier's PDF), retrofit entry, and the requester's acceptance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.ap.permissions import ap_required
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.core.pagination import paginate_rows
from invoice_portal.invoices.models import Source
from invoice_portal.orders.models import Order, PurchaseOrderStatus
from invoice_portal.payables import selectors
from invoice_portal.payables.forms import FlipForm, ReceiptForm, RetrofitForm
from invoice_portal.payables.models import payables_settings
from invoice_portal.payables.services import (
    receipt_record,
    received_attachment_add,
    received_invoice_create,
    retrofit_invoice_create,
    retrofit_order_accept,
    retrofit_order_reject,
)
from invoice_portal.payables.services.purchase_orders import cancel_refusal

# A service's field names → the form's, so its error appears beside the field.
FORM_FIELDS = {"number": "number", "issue_date": "issue_date", "due_date": "due_date", "discount": "discount", "file": "pdf",
               "over_receipt_reason": "over_receipt_reason", "received_on": "received_on", "requester": "requester"}  # fmt: skip


def _order(request: HttpRequest, pk: int) -> Order:
    order = selectors.purchase_order_for(request.user, pk)
    if order is None:
        raise Http404("No such purchase order.")
    return order


@require_GET
@ap_required("ap.view")
def order_list(request: HttpRequest) -> HttpResponse:
    q, status = request.GET.get("q", "")[:200], request.GET.get("status", "")
    if status not in PurchaseOrderStatus.values:
        status = ""
    rows = selectors.purchase_order_list(selectors.purchase_orders_visible_to(request.user), q=q, status=status)
    page = paginate_rows(rows, request.GET.get("page"), 50)
    return render(request, "ap/orders.html", {"page": page, "q": q, "status": status, "statuses": PurchaseOrderStatus.choices})


@require_GET
@ap_required("ap.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    context = {
        "order": order, "lines": selectors.po_line_views(order), "receipts": selectors.po_receipts(order),
        "invoices": selectors.po_invoices(order, selectors.received_invoices_visible_to(request.user)),
        "open": order.po_status in selectors.OPEN_PO, "cancel_refusal": cancel_refusal(order),
    }  # fmt: skip
    return render(request, "ap/order_detail.html", context)


@require_http_methods(["GET", "POST"])
@ap_required("ap.receive")
def order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    open_quantities = {v.line.pk: v.open_to_receive for v in selectors.po_line_views(order)}
    form = ReceiptForm(request.POST or None, order=order, open_quantities=open_quantities)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            receipt_record(actor=request.user, order=order, lines=cd["lines"], received_on=cd["received_on"], reference=cd["reference"],
                           over_receipt_reason=cd["over_receipt_reason"])  # fmt: skip
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"Receipt recorded on {order.po_number}.")
            return redirect("ap:ap_order_detail", pk=order.pk)
    return render(request, "ap/receive.html", {"order": order, "form": form}, status=422 if form.errors else 200)


def _attach_pdf(actor: Any, invoice: Any, upload: Any) -> None:
    if upload is not None:
        received_attachment_add(actor=actor, invoice=invoice, filename=upload.name, content=upload.read())


@require_http_methods(["GET", "POST"])
@ap_required("ap.enter")
def order_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    """AP keys a paper or email invoice against this PO: the flip screen, with the supplier's PDF attached."""
    order = _order(request, pk)
    form = FlipForm(request.POST or None, request.FILES or None, order=order, discounts=payables_settings().discounts_enabled, pdf=True,
                    pdf_required=True)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            with transaction.atomic():
                invoice = received_invoice_create(
                    actor=request.user, supplier=order.company, number=cd["number"], lines=cd["lines"], order=order,
                    issue_date=cd["issue_date"], due_date=cd["due_date"], discount=cd.get("discount") or "0", notes=cd["notes"],
                    source=Source.MANUAL,
                )  # fmt: skip
                _attach_pdf(request.user, invoice, cd.get("pdf"))
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"Invoice {invoice.number} entered: {invoice.get_ap_status_display().lower()}.")
            return redirect("ap:ap_invoice_detail", pk=invoice.pk)
    return render(request, "ap/flip.html", {"order": order, "form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@ap_required("ap.enter")
def retrofit_new(request: HttpRequest) -> HttpResponse:
    """An invoice with no PO: a retrofit order is made for the requester to accept."""
    form = RetrofitForm(request.POST or None, request.FILES or None, requesters=selectors.requester_choices(),
                        supplier_choices=selectors.supplier_choices(), pdf=True)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            with transaction.atomic():
                invoice = retrofit_invoice_create(
                    actor=request.user, supplier=cd["supplier"], number=cd["number"], lines=cd["lines"], requester=cd["requester"],
                    issue_date=cd["issue_date"], notes=cd["notes"], source=Source.MANUAL,
                )  # fmt: skip
                _attach_pdf(request.user, invoice, cd.get("pdf"))
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"Retrofit invoice {invoice.number} entered; it waits for {cd['requester']} to accept the order.")
            return redirect("ap:ap_invoice_detail", pk=invoice.pk)
    return render(request, "ap/retrofit.html", {"form": form}, status=422 if form.errors else 200)


@require_GET
@ap_required(None)
def acceptance(request: HttpRequest) -> HttpResponse:
    """Retrofit orders waiting for the signed-in requester, with their invoices."""
    orders = list(selectors.retrofit_orders_for(request.user).prefetch_related("lines", "invoices"))
    return render(request, "ap/acceptance.html", {"orders": orders})


def _waiting_order(request: HttpRequest, pk: int) -> Order:
    order = selectors.retrofit_orders_for(request.user).filter(pk=pk).first()
    if order is None:
        raise Http404("No retrofit order waiting for you.")
    return order


@require_POST
@ap_required(None)
def acceptance_accept(request: HttpRequest, pk: int) -> HttpResponse:
    order = _waiting_order(request, pk)
    try:
        retrofit_order_accept(actor=request.user, order=order, comment=request.POST.get("comment", "")[:500])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Retrofit order {order.po_number} accepted; its invoice goes to matching.")
    return redirect("ap:ap_acceptance")


@require_POST
@ap_required(None)
def acceptance_reject(request: HttpRequest, pk: int) -> HttpResponse:
    order = _waiting_order(request, pk)
    try:
        retrofit_order_reject(actor=request.user, order=order, comment=request.POST.get("comment", "")[:500])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Retrofit order {order.po_number} rejected; the supplier sees your comment.")
    return redirect("ap:ap_acceptance")
