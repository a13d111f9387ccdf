"""Paying invoices online: the selected invoices with an amount each, credit to apply, the gateway, the result.

The rules (what may be paid, how much, pending checkouts, credit) are ``payments.checkout``'s; this
page parses the input, starts the checkout through ``integrations.checkout`` and shows the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.core.errors import DomainError, NotFound
from invoice_portal.core.forms import domain_message
from invoice_portal.core.money import ZERO, as_str, parse_money
from invoice_portal.integrations.checkout import checkout_start
from invoice_portal.integrations.gateways.base import GatewayError
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.checkout import (
    available_credit,
    checkout_cancel,
    checkout_for,
    may_apply_credit,
    payable_balances,
    payable_invoices,
)
from invoice_portal.payments.models import Checkout, CheckoutStatus
from invoice_portal.portal.forms import PayForm, attach_error
from invoice_portal.portal.permissions import portal_required
from invoice_portal.portal.rendering import render_page
from invoice_portal.portal.views.common import company_id, ids_from

REFUSED = "Some of the selected invoices cannot be paid online: they were not found, or nothing is due on them. Nothing was charged."


@dataclass(frozen=True)
class PaySummary:
    """What the typed amounts add up to (amounts that do not parse count as zero; the form says why)."""

    currency: str
    total: Decimal
    credit: Decimal
    to_charge: Decimal
    errors: dict[int, str]


def pay_summary(invoices: list[Invoice], data: Any, currency: str, *, credit_available: Decimal) -> PaySummary:
    total, errors = ZERO, {}
    for invoice in invoices:
        try:
            total += parse_money((data.get(f"amount_{invoice.pk}") or "").strip() or "0", currency)
        except DomainError as exc:
            errors[invoice.pk] = f"{invoice}: {domain_message(exc)}"
    try:
        credit = parse_money((data.get("apply_credit") or "").strip() or "0", currency) if credit_available else ZERO
    except DomainError:
        credit = ZERO
    credit = min(credit, total)
    return PaySummary(currency, total, credit, total - credit, errors)


def _selection(request: HttpRequest, ids: list[int]) -> list[Invoice]:
    """The selected invoices the user may pay now, oldest due first (``payable_invoices`` is scoped by ``portal.pay``)."""
    if not ids:
        return []
    return list(payable_invoices(request.user).filter(pk__in=ids).select_related("company", "order").order_by("due_date", "pk"))


def _pay_page(request: HttpRequest, invoices: list[Invoice], form: PayForm | None, *, refused: bool = False) -> HttpResponse:
    currencies = sorted({inv.currency for inv in invoices})
    context: dict[str, Any] = {"invoices": invoices, "refused": refused, "form": form, "currencies": currencies}
    if len(currencies) > 1:
        context["groups"] = [(c, [inv for inv in invoices if inv.currency == c]) for c in currencies]
        return render_page(request, "portal/pay/pay.html", context)
    if not invoices:
        return render_page(request, "portal/pay/pay.html", context)
    currency = currencies[0]
    credit = available_credit(company_id=company_id(request), currency=currency) if may_apply_credit(request.user) else ZERO
    payable = payable_balances(invoices)
    if form is None:
        initial: dict[str, str] = {f"amount_{inv.pk}": as_str(payable[inv.pk], currency) for inv in invoices}
        form = PayForm(initial=initial, invoices=invoices)
    if not credit:
        form.fields.pop("apply_credit", None)
    data = form.data if form.is_bound else {**dict(form.initial.items()), "apply_credit": ""}
    summary = pay_summary(invoices, data, currency, credit_available=credit)
    if form.is_bound:
        # Each error once, beside the amount it is about: an amount the service did not get to (it stops at the
        # first) gets its reason on its own row, and the totals box repeats none of them.
        for pk in summary.errors:
            name = f"amount_{pk}"
            if name in form.fields and not form.errors.get(name):
                form.add_error(name, summary.errors[pk].split(": ", 1)[1])
        summary = replace(summary, errors={})
    context.update(
        form=form, currency=currency, credit=credit, payable=payable,
        rows=[(inv, field, payable[inv.pk]) for inv, field in form.rows()], summary=summary,
    )  # fmt: skip
    return render_page(request, "portal/pay/pay.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@portal_required("portal.pay")
def pay(request: HttpRequest) -> HttpResponse:
    """GET ``?invoice=…``: the selected invoices with their amounts. POST: start the gateway checkout, or say what is wrong."""
    if request.method == "GET":
        ids = ids_from(request.GET.getlist("invoice"))
        invoices = _selection(request, ids)
        if len(invoices) < len(ids):
            messages.warning(request, REFUSED.replace(" Nothing was charged.", " They are left out."))
        return _pay_page(request, invoices, None)
    ids = ids_from(request.POST.getlist("invoice"))
    invoices = _selection(request, ids)
    form = PayForm(request.POST, invoices=invoices)
    if len(invoices) != len(ids) or not ids:
        # Never pay a subset of what was asked: an invoice outside the buyer's scope refuses the whole payment.
        form.is_valid()
        form.add_error(None, REFUSED if ids else "Select at least one invoice to pay.")
        return _pay_page(request, invoices, form, refused=True)
    credit = (
        available_credit(company_id=company_id(request), currency=invoices[0].currency)
        if len({i.currency for i in invoices}) == 1 and may_apply_credit(request.user)
        else ZERO
    )
    if not credit:
        form.fields.pop("apply_credit", None)
    if form.is_valid():
        try:
            started = checkout_start(
                actor=request.user, invoices_amounts=form.pairs(), apply_credit=form.credit(),
                return_url=request.build_absolute_uri(reverse("portal:pay_return")),
            )  # fmt: skip
        except GatewayError as exc:
            again = " Please try again in a moment." if exc.retryable else ""
            form.add_error(None, f"The payment gateway could not start the payment: {exc.message}{again} Nothing was charged.")
        except DomainError as exc:
            attach_error(form, exc, fields=form.error_fields())
        else:
            return HttpResponseRedirect(started.redirect_url, status=303)
    return _pay_page(request, invoices, form)


@require_POST
@portal_required("portal.pay")
def pay_preview(request: HttpRequest) -> HttpResponse:
    """The totals box for what is typed on the pay page (htmx); saves nothing."""
    invoices = _selection(request, ids_from(request.POST.getlist("invoice")))
    currencies = {inv.currency for inv in invoices}
    if len(currencies) != 1:
        return render_page(request, "portal/partials/pay_totals.html", {"summary": None})
    currency = currencies.pop()
    credit = available_credit(company_id=company_id(request), currency=currency) if may_apply_credit(request.user) else ZERO
    return render_page(
        request,
        "portal/partials/pay_totals.html",
        {"summary": pay_summary(invoices, request.POST, currency, credit_available=credit), "credit": credit},
    )


def _checkout_or_404(request: HttpRequest, value: object) -> Checkout:
    try:
        return checkout_for(actor=request.user, checkout_id=value)
    except NotFound:
        raise Http404("No such payment.") from None


@never_cache
@require_GET
@portal_required("portal.pay")
def pay_return(request: HttpRequest) -> HttpResponse:
    """Where the gateway sends the buyer back: pending until the gateway's webhook confirms, then paid or not."""
    checkout = _checkout_or_404(request, request.GET.get("checkout"))
    pending = checkout.status == CheckoutStatus.PENDING and not checkout.is_expired
    context = {"checkout": checkout, "lines": list(checkout.lines.all()), "pending": pending}
    return render_page(request, "portal/pay/return.html", context, partial="portal/partials/checkout_status.html")


@require_POST
@portal_required("portal.pay")
def pay_cancel(request: HttpRequest) -> HttpResponse:
    """The buyer gives up a pending payment: what it reserved on the invoices can be paid again."""
    checkout = _checkout_or_404(request, request.POST.get("checkout"))
    try:
        outcome = checkout_cancel(actor=request.user, checkout_id=checkout.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if outcome.changed:
            messages.info(request, "The payment was canceled; nothing was charged.")
        else:
            messages.info(request, f"This payment is already {outcome.checkout.get_status_display().lower()}.")
    return HttpResponseRedirect(f"{reverse('portal:pay_return')}?checkout={checkout.pk}", status=303)
