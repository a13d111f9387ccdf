"""``/seller/``: what needs attention today, the open balance and two charts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from invoice_portal.seller import charts, selectors
from invoice_portal.seller.permissions import seller_can, seller_required


@seller_required("invoices.view")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {
        "open_balance": selectors.open_balance_by_currency(),
        "overdue": selectors.overdue_by_currency(),
        "open_disputes": list(selectors.open_dispute_list()[:5]),
        "open_dispute_count": selectors.open_dispute_list().count(),
        "on_hold_count": selectors.on_hold_count(),
        "aging_charts": [charts.aging_chart(b) for b in selectors.aging_totals()],
        "flow_charts": [charts.flow_chart(c, months) for c, months in selectors.monthly_flows(months=6).items()],
    }
    if seller_can(user, "orders.view"):
        flagged = selectors.flagged_orders()
        context["flagged_orders"] = list(flagged[:5])
        context["flagged_count"] = flagged.count()
    return render(request, "seller/home.html", context)
