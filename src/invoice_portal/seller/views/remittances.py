"""Remittance advice from buyers: Finance confirms each into a payment, or rejects it with a comment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.core.money import ZERO, format_money
from invoice_portal.remittances.models import RemittanceAdvice, RemittanceStatus
from invoice_portal.remittances.services import remittance_confirm, remittance_reject
from invoice_portal.seller import selectors
from invoice_portal.seller.forms import RemittanceConfirmForm, RemittanceFilterForm, RemittanceRejectForm, attach_error
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate


@require_GET
@seller_required("payments.view")
def remittance_list(request: HttpRequest) -> HttpResponse:
    form = RemittanceFilterForm(request.GET)
    status = form.status_filter()
    context = {
        "form": form,
        "page": paginate(request, selectors.remittance_list(status=status)),
        "status": status,
        "counts": selectors.remittance_counts(),
    }
    return render_page(request, "seller/remittances/list.html", context, partial="seller/partials/remittance_results.html")


def _remittance(pk: int) -> RemittanceAdvice:
    remittance = selectors.remittance_detail(pk)
    if remittance is None:
        raise Http404("No such remittance advice.")
    return remittance


def remittance_page(request: HttpRequest, remittance: RemittanceAdvice, **bound: forms.Form) -> HttpResponse:
    reviewable = remittance.status == RemittanceStatus.SUBMITTED and seller_can(request.user, "payments.record")
    lines = list(remittance.lines.all())
    named_total = sum((line.amount for line in lines), ZERO)
    context: dict[str, Any] = {
        "remittance": remittance,
        "lines": lines,
        "named_total": named_total,
        "on_account": remittance.amount - named_total,
        "reviewable": reviewable,
        "confirm_form": bound.get("confirm_form", RemittanceConfirmForm(prefix="confirm")),
        "reject_form": bound.get("reject_form", RemittanceRejectForm(prefix="reject")),
    }
    return render_page(request, "seller/remittances/detail.html", context)


@require_GET
@seller_required("payments.view")
def remittance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return remittance_page(request, _remittance(pk))


@require_POST
@seller_required("payments.record")
def remittance_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = _remittance(pk)
    form = RemittanceConfirmForm(request.POST, prefix="confirm")
    if form.is_valid():
        cd = form.cleaned_data
        try:
            payment = remittance_confirm(actor=request.user, remittance=remittance, received_on=cd["received_on"], comment=cd["comment"])
        except DomainError as exc:
            attach_error(form, exc)
        else:
            left = payment.amount - payment.allocated_total
            note = f"; {format_money(left, payment.currency)} left as credit on account" if left else ""
            messages.success(request, f"Remittance #{remittance.pk} confirmed as payment #{payment.pk}{note}.")
            return redirect("seller:remittance_detail", pk=remittance.pk)
    return remittance_page(request, remittance, confirm_form=form)


@require_POST
@seller_required("payments.record")
def remittance_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = _remittance(pk)
    form = RemittanceRejectForm(request.POST, prefix="reject")
    if form.is_valid():
        try:
            remittance_reject(actor=request.user, remittance=remittance, comment=form.cleaned_data["comment"])
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Remittance #{remittance.pk} rejected; the buyer sees your comment.")
            return redirect("seller:remittance_detail", pk=remittance.pk)
    return remittance_page(request, remittance, reject_form=form)
