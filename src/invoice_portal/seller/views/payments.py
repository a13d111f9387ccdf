"""The payment dashboard, payment detail (refund, reverse, allocate) and the manual offline payment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.audit.trail import audit_trail
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.ids import parse_id
from invoice_portal.core.money import as_str, format_money, needs_confirmation, parse_money
from invoice_portal.integrations.checkout import payment_refund_anyhow
from invoice_portal.payments.models import SETTLED_STATUSES, Payment
from invoice_portal.payments.selectors import company_position, payment_filter
from invoice_portal.payments.services import payment_allocate, payment_record, payment_reverse
from invoice_portal.seller import selectors
from invoice_portal.seller.exports import PAYMENT_HEADER, csv_response, export_filename, payment_rows
from invoice_portal.seller.forms import (
    AllocateForm,
    CustomerSearchForm,
    OfflinePaymentForm,
    PaymentFilterForm,
    RefundForm,
    ReverseForm,
    attach_error,
)
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate


@require_GET
@seller_required("payments.view")
def payment_dashboard(request: HttpRequest) -> HttpResponse:
    form = PaymentFilterForm(request.GET)
    page = paginate(request, payment_filter(Payment.objects.all(), form.to_filters()))
    context = {"form": form, "page": page, "sort": form.cleaned_data.get("sort") or "-received_on"}
    return render_page(request, "seller/payments/list.html", context, partial="seller/partials/payment_results.html")


@require_GET
@seller_required("payments.view")
def payment_export(request: HttpRequest) -> StreamingHttpResponse:
    """Exactly the payments of the dashboard under the same filters and sort, every page of them."""
    if not seller_can(request.user, "invoices.export"):
        raise PermissionDenied("Needs the 'invoices.export' permission.")
    form = PaymentFilterForm(request.GET)
    payments = payment_filter(Payment.objects.all(), form.to_filters())
    return csv_response(export_filename("payments"), PAYMENT_HEADER, payment_rows(payments))


def _payment(pk: int) -> Payment:
    return get_object_or_404(Payment.objects.select_related("company", "created_by"), pk=pk)


def payment_page(request: HttpRequest, payment: Payment, **overrides: Any) -> HttpResponse:
    settled = payment.status in SETTLED_STATUSES
    can_allocate = settled and payment.unallocated > 0 and seller_can(request.user, "payments.record")
    open_invoices = list(selectors.open_invoices_for(payment.company_id, payment.currency)) if can_allocate else []
    context: dict[str, Any] = {
        "payment": payment,
        "allocations": list(payment.allocations.select_related("invoice").order_by("created_at", "pk")),
        "refunds": list(payment.refunds.select_related("created_by")),
        "audit": audit_trail(audit_events_for(payment).order_by("-at", "-pk"), currency=payment.currency),
        "can_refund": settled and seller_can(request.user, "payments.refund"),
        "refund_form": RefundForm(),
        "reverse_form": ReverseForm(),
        "allocate_form": AllocateForm(invoices=open_invoices) if can_allocate and open_invoices else None,
    }
    context.update(overrides)
    return render_page(request, "seller/payments/detail.html", context)


@require_GET
@seller_required("payments.view")
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return payment_page(request, _payment(pk))


@require_POST
@seller_required("payments.refund")
def payment_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            payment = payment_refund_anyhow(
                actor=request.user, payment=payment, amount=form.cleaned_data["amount"].strip(), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(
                request, f"Refunded {format_money(payment.refunded_amount, payment.currency)} in total on payment #{payment.pk}."
            )
            return redirect("seller:payment_detail", pk=pk)
    return payment_page(request, payment, refund_form=form)


@require_POST
@seller_required("payments.refund")
def payment_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(pk)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            payment_reverse(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Payment #{payment.pk} reversed; the invoices it paid are open again.")
            return redirect("seller:payment_detail", pk=pk)
    return payment_page(request, payment, reverse_form=form)


@require_POST
@seller_required("payments.record")
def payment_allocate_view(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(pk)
    form = AllocateForm(request.POST, invoices=list(selectors.open_invoices_for(payment.company_id, payment.currency)))
    if form.is_valid():
        requested = form.allocations()
        if not requested:
            form.add_error(None, "Enter an amount for at least one invoice.")
        else:
            try:
                payment_allocate(actor=request.user, payment=payment, allocations=requested)
            except DomainError as exc:
                attach_error(form, exc, fields=form.error_fields(exc.field, requested))
            else:
                messages.success(request, f"Credit of payment #{payment.pk} allocated.")
                return redirect("seller:payment_detail", pk=pk)
    return payment_page(request, payment, allocate_form=form)


class _AskFirst(Exception):
    """The amount is above the confirmation threshold and the clerk has not confirmed this very amount yet."""


def _confirmation(request: HttpRequest, typed: str, currency: str) -> dict[str, str] | None:
    """What to ask before recording ``typed`` (``{"amount": "1000000.00", "words": "$1,000,000.00"}``), or None.

    The confirmation names the exact amount: changing the amount after confirming asks again.
    """
    value = parse_money(typed.strip(), currency)
    if not needs_confirmation(value) or request.POST.get("confirm_amount") == as_str(value, currency):
        return None
    return {"amount": as_str(value, currency), "words": format_money(value, currency)}


@require_http_methods(["GET", "POST"])
@seller_required("payments.record")
def payment_new(request: HttpRequest) -> HttpResponse:
    """Record a check, wire or cash payment: find the customer, then allocate across its open invoices."""
    search = CustomerSearchForm(request.GET)
    search.is_valid()
    query = search.cleaned_data.get("q") or ""
    company_id = parse_id(request.GET.get("company"))
    company = get_object_or_404(Company, pk=company_id, is_customer=True) if company_id is not None else None
    context: dict[str, Any] = {"search": search, "matches": selectors.customer_choices(query) if query else [], "company": company}
    if company is None:
        return render_page(request, "seller/payments/new.html", context, partial="seller/partials/customer_matches.html")
    currencies = selectors.customer_currencies(company)
    requested_currency = request.GET.get("currency", "")
    currency = requested_currency if requested_currency in currencies else company.currency
    invoices = list(selectors.open_invoices_for(company.pk, currency))
    if request.method == "POST":
        form = OfflinePaymentForm(request.POST, invoices=invoices)
        if form.is_valid():
            requested = form.allocations()
            cd = form.cleaned_data
            try:
                if (ask := _confirmation(request, cd["amount"], currency)) is not None:
                    context.update(confirm=ask)
                    raise _AskFirst
                payment = payment_record(
                    actor=request.user, company=company, amount=cd["amount"].strip(), currency=currency, method=cd["method"],
                    reference=cd["reference"], received_on=cd["received_on"], allocations=requested, notes=cd["notes"],
                )  # fmt: skip
            except _AskFirst:
                pass
            except DomainError as exc:
                attach_error(form, exc, fields=form.error_fields(exc.field, requested))
            else:
                left = payment.amount - payment.allocated_total
                note = f"; {format_money(left, currency)} left as credit on account" if left else ""
                messages.success(request, f"Payment #{payment.pk} of {format_money(payment.amount, currency)} recorded{note}.")
                return redirect("seller:payment_detail", pk=payment.pk)
    else:
        form = OfflinePaymentForm(invoices=invoices)
    context.update(
        form=form,
        currency=currency,
        currencies=currencies,
        position=company_position(company.pk, currency),
        action=f"{reverse('seller:payment_new')}?company={company.pk}&currency={currency}",
    )
    return render_page(request, "seller/payments/new.html", context)
