"""The supplier portal: open purchase orders, the PO flip, the supplier's invoices and colleagues.

Every read goes through ``payables.selectors``' ``*_visible_to``: a supplier's user sees their own
company's purchase orders and invoices, and another company's are a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.core.downloads import file_download
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.core.pagination import paginate_rows
from invoice_portal.documents.einvoice.parse import MAX_BYTES, EInvoiceTooLarge
from invoice_portal.invoices.models import Invoice, Kind, ReceivedStatus, Source
from invoice_portal.orders.models import Order
from invoice_portal.payables import selectors
from invoice_portal.payables.forms import FlipForm
from invoice_portal.payables.models import payables_settings
from invoice_portal.payables.services import received_invoice_cancel, received_invoice_create
from invoice_portal.payables.services.einvoice import received_einvoice_receive
from invoice_portal.payables.services.suppliers import supplier_user_invite
from invoice_portal.payables.statuses import BEFORE_APPROVAL
from invoice_portal.supplier.forms import CreditForm, InviteForm, UploadForm
from invoice_portal.supplier.permissions import supplier_required

FORM_FIELDS = {"number": "number", "issue_date": "issue_date", "due_date": "due_date", "discount": "discount", "email": "email",
               "role": "role", "related_invoice": "amount", "lines": "amount"}  # fmt: skip


def _company_id(request: HttpRequest) -> int:
    company_id = getattr(request.user, "company_id", None)
    assert isinstance(company_id, int)  # supplier_required let only a company's user in
    return company_id


def _order(request: HttpRequest, pk: int) -> Order:
    order = selectors.purchase_order_for(request.user, pk)
    if order is None:
        raise Http404("No such purchase order.")
    return order


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    invoice = selectors.received_invoice_for(request.user, pk)
    if invoice is None:
        raise Http404("No such invoice.")
    return invoice


@require_GET
@supplier_required("supplier.view")
def home(request: HttpRequest) -> HttpResponse:
    orders = selectors.purchase_orders_visible_to(request.user).filter(po_status__in=selectors.OPEN_PO)
    invoices = selectors.received_invoices_visible_to(request.user)
    counts = selectors.status_counts(invoices)
    context = {
        "open_orders": list(selectors.purchase_order_list(orders)[:10]), "open_count": orders.count(),
        "counts": [(s.value, s.label, counts[s.value]) for s in ReceivedStatus if counts[s.value]],
        "due": sorted(selectors.supplier_amounts(_company_id(request)).items()),
    }  # fmt: skip
    return render(request, "supplier/home.html", context)


@require_GET
@supplier_required("supplier.view")
def order_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    page = paginate_rows(
        selectors.purchase_order_list(selectors.purchase_orders_visible_to(request.user), q=q), request.GET.get("page"), 50
    )
    return render(request, "supplier/orders.html", {"page": page, "q": q})


@require_GET
@supplier_required("supplier.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    context = {"order": order, "lines": selectors.po_line_views(order),
               "invoices": selectors.po_invoices(order, selectors.received_invoices_visible_to(request.user))}  # fmt: skip
    return render(request, "supplier/order_detail.html", context)


@require_http_methods(["GET", "POST"])
@supplier_required("supplier.submit")
def order_flip(request: HttpRequest, pk: int) -> HttpResponse:
    """Flip the PO into an invoice: lines prefilled; adjust quantities and prices, untick lines, number and date, submit."""
    order = _order(request, pk)
    form = FlipForm(request.POST or None, order=order, discounts=payables_settings().discounts_enabled)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            invoice = received_invoice_create(
                actor=request.user, supplier=order.company, number=cd["number"], lines=cd["lines"], order=order,
                issue_date=cd["issue_date"], due_date=cd["due_date"], discount=cd.get("discount") or "0", notes=cd["notes"],
                source=Source.SUPPLIER_PORTAL,
            )  # fmt: skip
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"Invoice {invoice.number} submitted: {invoice.get_ap_status_display().lower()}.")
            return redirect("supplier:invoice_detail", pk=invoice.pk)
    return render(request, "supplier/flip.html", {"order": order, "form": form}, status=422 if form.errors else 200)


@require_GET
@supplier_required("supplier.view")
def invoice_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    filters = selectors.ApFilters(status=status if status in ReceivedStatus.values else "")
    rows = selectors.received_invoice_list(selectors.received_invoices_visible_to(request.user), filters)
    return render(request, "supplier/invoices.html", {"page": paginate_rows(rows, request.GET.get("page"), 50), "status": filters.status,
                                                      "statuses": ReceivedStatus.choices})  # fmt: skip


@require_GET
@supplier_required("supplier.view")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    context = {
        "invoice": invoice, "attachments": selectors.attachments_of(invoice), "credits": invoice.memos.order_by("pk"),
        "may_cancel": invoice.created_by_id == request.user.pk and invoice.ap_status in BEFORE_APPROVAL,
        "may_credit": invoice.kind == Kind.INVOICE and invoice.ap_status not in (ReceivedStatus.REJECTED, ReceivedStatus.CANCELED),
        "credit_form": CreditForm(initial={"issue_date": invoice.issue_date}),
    }  # fmt: skip
    return render(request, "supplier/invoice_detail.html", context)


@require_POST
@supplier_required("supplier.submit")
def invoice_credit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    form = CreditForm(request.POST)
    if form.is_valid():
        try:
            credit = received_invoice_create(
                actor=request.user, supplier=invoice.company, number=form.cleaned_data["number"], lines=form.lines(), kind=Kind.CREDIT_NOTE,
                related_invoice=invoice, issue_date=form.cleaned_data["issue_date"], source=Source.SUPPLIER_PORTAL,
            )  # fmt: skip
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"Credit invoice {credit.number} submitted.")
            return redirect("supplier:invoice_detail", pk=credit.pk)
    context = {"invoice": invoice, "attachments": selectors.attachments_of(invoice), "credits": invoice.memos.order_by("pk"),
               "may_cancel": False, "may_credit": True, "credit_form": form}  # fmt: skip
    return render(request, "supplier/invoice_detail.html", context, status=422)


@require_POST
@supplier_required("supplier.submit")
def invoice_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    try:
        received_invoice_cancel(actor=request.user, invoice=invoice, reason=request.POST.get("reason", "")[:500])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invoice {invoice.number} canceled.")
    return redirect("supplier:invoice_detail", pk=pk)


@require_GET
@supplier_required("supplier.view")
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    invoice = _invoice(request, pk)
    attachment = selectors.attachment_of(invoice, attachment_pk)
    if attachment is None:
        raise Http404("No such attachment.")
    return file_download(
        bytes(attachment.content), filename=attachment.filename, content_type=selectors.attachment_content_type(attachment)
    )


@require_http_methods(["GET", "POST"])
@supplier_required("supplier.users")
def users(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            with transaction.atomic():
                user = supplier_user_invite(actor=request.user, email=cd["email"], role=cd["role"], full_name=cd["full_name"])
        except DomainError as exc:
            attach_error(form, exc, fields=FORM_FIELDS)
        else:
            messages.success(request, f"{user.email} is invited: they get an email to choose a password.")
            return redirect("supplier:users")
    colleagues = User.objects.filter(company_id=_company_id(request)).select_related("role").order_by("email")
    return render(request, "supplier/users.html", {"form": form, "colleagues": colleagues}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@supplier_required("supplier.submit")
def einvoice_upload(request: HttpRequest) -> HttpResponse:
    """Upload an e-invoice: booked for the own company, linked to the PO its order reference names."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        company = Company.objects.get(pk=_company_id(request))
        try:
            if upload.size > MAX_BYTES:
                raise EInvoiceTooLarge(f"The file is {upload.size:,} bytes; at most {MAX_BYTES:,} are accepted.")
            received = received_einvoice_receive(actor=request.user, xml=upload.read(), filename=upload.name, supplier=company)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            assert received.invoice is not None  # an own upload is always booked for the own company
            messages.success(request, f"Invoice {received.invoice.number} received: {received.invoice.get_ap_status_display().lower()}.")
            return redirect("supplier:invoice_detail", pk=received.invoice.pk)
    return render(request, "supplier/upload.html", {"form": form}, status=422 if form.errors else 200)
