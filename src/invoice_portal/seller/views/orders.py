"""The order dashboard: synced orders, their flags, and "Create invoice"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.core.models import InvoicesPerOrder
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.services import invoice_create_from_order
from invoice_portal.orders.models import Order
from invoice_portal.orders.services import order_acknowledge_flags
from invoice_portal.seller import selectors
from invoice_portal.seller.exports import ORDER_HEADER, csv_response, export_filename, order_rows
from invoice_portal.seller.forms import OrderFilterForm
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate, safe_next


@require_GET
@seller_required("orders.view")
def order_dashboard(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    page = paginate(request, selectors.order_list(form.to_filters()))
    context = {
        "form": form,
        "page": page,
        "statuses": selectors.order_statuses(),
        "one_per_order": portal_settings().invoices_per_order == InvoicesPerOrder.ONE,
    }
    return render_page(request, "seller/orders/list.html", context, partial="seller/partials/order_results.html")


@require_GET
@seller_required("orders.view")
def order_export(request: HttpRequest) -> StreamingHttpResponse:
    """Exactly the orders of the dashboard under the same filters, every page of them (export right as for invoices)."""
    if not seller_can(request.user, "invoices.export"):
        raise PermissionDenied("Needs the 'invoices.export' permission.")
    form = OrderFilterForm(request.GET)
    return csv_response(export_filename("orders"), ORDER_HEADER, order_rows(selectors.order_list(form.to_filters())))


@require_GET
@seller_required("orders.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("company", "placed_by"), pk=pk)
    invoices = list(selectors.order_invoices(order))
    live = [inv for inv in invoices if inv.status != "canceled" and inv.kind == "invoice"]
    one_per_order = portal_settings().invoices_per_order == InvoicesPerOrder.ONE
    context = {
        "order": order,
        "lines": list(order.lines.order_by("line_no")),
        "invoices": invoices,
        "can_invoice": not order.is_canceled and not (one_per_order and live),
        "one_per_order": one_per_order,
    }
    return render_page(request, "seller/orders/detail.html", context)


@require_POST
@seller_required("orders.invoice")
def order_create_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order, pk=pk)
    try:
        invoice = invoice_create_from_order(actor=request.user, order=order)
    except DomainError as exc:
        messages.error(request, f"No invoice created: {exc.message}")
        return redirect("seller:order_detail", pk=pk)
    messages.success(request, f"Draft invoice created from order {order.external_id}: check the lines, then issue it.")
    return redirect("seller:invoice_detail", pk=invoice.pk)


@require_POST
@seller_required("orders.acknowledge")
def order_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order, pk=pk)
    order_acknowledge_flags(actor=request.user, order=order)
    messages.success(request, f"Flags of order {order.external_id} acknowledged.")
    return redirect(safe_next(request, "seller:orders"))
