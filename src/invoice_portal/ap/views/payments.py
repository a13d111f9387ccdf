"""Payments to suppliers in the AP app: the list (``ap.view``), record one and allocate what is left (``ap.pay``).

Recording is two steps on one page: choose the supplier, then the amount and how much goes to each of its
accepted invoices still to pay (the rest is paid on account). Every rule is the service's
(``payables.services.supplier_payments``); its errors show beside the invoice row or field they are about.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.ap.forms_payments import SupplierPaymentForm
from invoice_portal.ap.permissions import ap_can, ap_required
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error, domain_message
from invoice_portal.core.ids import parse_id
from invoice_portal.core.pagination import paginate_rows
from invoice_portal.invoices.models import Invoice
from invoice_portal.payables.models import SupplierPayment
from invoice_portal.payables.selectors_payments import payable_invoices, payees, supplier_payments_visible_to
from invoice_portal.payables.services.supplier_payments import supplier_payment_allocate, supplier_payment_record

_ROW = re.compile(r"^allocations\[(\d+)\]")


def _allocations(request: HttpRequest, invoices: list[Invoice]) -> tuple[list[dict[str, Any]], list[int]]:
    """What the form asks to pay on each invoice (rows left empty pay nothing), and the invoice of each request."""
    wanted, ids = [], []
    for invoice in invoices:
        raw = request.POST.get(f"pay_{invoice.pk}", "").strip()
        if raw:
            wanted.append({"invoice": invoice.pk, "amount": raw})
            ids.append(invoice.pk)
    return wanted, ids


def _show_error(exc: DomainError, form: Any, ids: list[int], row_errors: dict[int, str]) -> None:
    match = _ROW.match(exc.field or "")
    if match and int(match.group(1)) < len(ids):
        row_errors[ids[int(match.group(1))]] = domain_message(exc)
    elif form is not None:
        attach_error(form, exc)
    else:
        row_errors[0] = exc.message


def _rows(request: HttpRequest, invoices: list[Invoice], row_errors: dict[int, str]) -> list[dict[str, Any]]:
    return [{"invoice": inv, "value": request.POST.get(f"pay_{inv.pk}", ""), "error": row_errors.get(inv.pk)} for inv in invoices]


@require_GET
@ap_required("ap.view")
def payment_list(request: HttpRequest) -> HttpResponse:
    page = paginate_rows(supplier_payments_visible_to(request.user), request.GET.get("page"), 50)
    return render(request, "ap/payments.html", {"page": page, "may_pay": ap_can(request.user, "ap.pay")})


@require_http_methods(["GET", "POST"])
@ap_required("ap.pay")
def payment_new(request: HttpRequest) -> HttpResponse:
    chosen = parse_id(request.POST.get("supplier") or request.GET.get("supplier"))
    supplier = payees().filter(pk=chosen).first() if chosen is not None else None
    if supplier is None:
        return render(request, "ap/payment_new.html", {"suppliers": payees(), "supplier": None})
    invoices = list(payable_invoices(supplier, supplier.currency))
    form = SupplierPaymentForm(request.POST or None)
    row_errors: dict[int, str] = {}
    if request.method == "POST" and form.is_valid():
        wanted, ids = _allocations(request, invoices)
        try:
            payment = supplier_payment_record(actor=request.user, supplier=supplier, allocations=wanted, **form.cleaned_data)
        except DomainError as exc:
            _show_error(exc, form, ids, row_errors)
        else:
            messages.success(request, f"Payment of {payment.amount.normalize():f} {payment.currency} to {supplier} recorded.")
            return redirect("ap:ap_payment_detail", payment.pk)
    context = {"supplier": supplier, "form": form, "rows": _rows(request, invoices, row_errors), "currency": supplier.currency}
    return render(request, "ap/payment_new.html", context, status=422 if form.errors or row_errors else 200)


def _payment(request: HttpRequest, pk: int) -> SupplierPayment:
    payment = supplier_payments_visible_to(request.user).filter(pk=pk).first()
    if payment is None:
        raise Http404("No such payment.")
    return payment


def _detail(request: HttpRequest, payment: SupplierPayment, row_errors: dict[int, str], status: int = 200) -> HttpResponse:
    may_allocate = ap_can(request.user, "ap.pay") and payment.unallocated > 0
    invoices = list(payable_invoices(payment.supplier, payment.currency)) if may_allocate else []
    context = {"payment": payment, "may_allocate": may_allocate, "rows": _rows(request, invoices, row_errors),
               "form_error": row_errors.get(0), "currency": payment.currency}  # fmt: skip
    return render(request, "ap/payment_detail.html", context, status=status)


@require_GET
@ap_required("ap.view")
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _payment(request, pk), {})


@require_POST
@ap_required("ap.pay")
def payment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(request, pk)
    wanted, ids = _allocations(request, list(payable_invoices(payment.supplier, payment.currency)))
    row_errors: dict[int, str] = {}
    try:
        supplier_payment_allocate(actor=request.user, payment=payment, allocations=wanted)
    except DomainError as exc:
        _show_error(exc, None, ids, row_errors)
        return _detail(request, payment, row_errors, status=422)
    messages.success(request, f"Payment #{payment.pk}: allocated.")
    return redirect("ap:ap_payment_detail", payment.pk)
