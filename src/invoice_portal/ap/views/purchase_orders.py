"""Purchase orders AP keys by hand, and closing or canceling one (the ERP's orders arrive over the API or an import)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.ap.forms_purchase_orders import PurchaseOrderForm
from invoice_portal.ap.permissions import ap_required
from invoice_portal.core.errors import DomainError
from invoice_portal.orders.models import Order
from invoice_portal.payables import selectors
from invoice_portal.payables.services import purchase_order_close, purchase_order_create


@require_http_methods(["GET", "POST"])
@ap_required("ap.enter")
def order_new(request: HttpRequest) -> HttpResponse:
    form = PurchaseOrderForm(request.POST or None, suppliers=selectors.supplier_choices(), requesters=selectors.requester_choices())
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            order = purchase_order_create(
                actor=request.user, supplier=cd["supplier"], number=cd["number"], lines=cd["lines"], requester=cd["requester"],
                currency=cd["currency"] or None, order_date=cd["order_date"], no_invoice_expected=cd["no_invoice_expected"],
            )  # fmt: skip
        except DomainError as exc:
            form.show_error(exc)
        else:
            messages.success(request, f"Purchase order {order.po_number} saved.")
            return redirect("ap:ap_order_detail", pk=order.pk)
    return render(request, "ap/order_new.html", {"form": form}, status=422 if form.errors else 200)


def _order(request: HttpRequest, pk: int) -> Order:
    order = selectors.purchase_order_for(request.user, pk)
    if order is None:
        raise Http404("No such purchase order.")
    return order


def _close(request: HttpRequest, pk: int, *, cancel: bool) -> HttpResponse:
    order = _order(request, pk)
    try:
        purchase_order_close(actor=request.user, order=order, cancel=cancel)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Purchase order {order.po_number} {'canceled' if cancel else 'closed'}.")
    return redirect("ap:ap_order_detail", pk=pk)


@require_POST
@ap_required("ap.enter")
def order_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, pk, cancel=False)


@require_POST
@ap_required("ap.enter")
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, pk, cancel=True)
