"""The buyer's orders (from the web store or the ERP): a list with filters, and an order with its lines and invoices."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.orders.selectors import WEB_SOURCES, orders_visible_to
from invoice_portal.portal import selectors
from invoice_portal.portal.forms import OrderFilterForm
from invoice_portal.portal.permissions import portal_can, portal_required
from invoice_portal.portal.rendering import render_page
from invoice_portal.portal.views.common import paginate


@require_GET
@portal_required("portal.view")
def order_list(request: HttpRequest) -> HttpResponse:
    scope = orders_visible_to(request.user)
    form = OrderFilterForm(request.GET, companies=selectors.order_scope_companies(scope))
    page = paginate(request, selectors.portal_order_list(scope, form.to_filters()))
    context = {"form": form, "page": page, "sort": form.current_sort, "web_sources": WEB_SOURCES}
    return render_page(request, "portal/orders/list.html", context, partial="portal/partials/order_results.html")


@require_GET
@portal_required("portal.view")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.visible_order(request.user, pk)
    if order is None:
        raise Http404("No such order.")
    context = {
        "order": order,
        "lines": list(order.lines.order_by("line_no")),
        "invoices": list(selectors.order_invoices(request.user, order)),
        "is_web": order.source in WEB_SOURCES,
        "may_open_invoices": portal_can(request.user, "portal.detail"),
    }
    return render_page(request, "portal/orders/detail.html", context)
