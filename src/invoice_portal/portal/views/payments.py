"""Payment history of what the user may see: payments with what they paid on which invoice, credit left."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.portal import selectors
from invoice_portal.portal.forms import PaymentFilterForm
from invoice_portal.portal.permissions import portal_required
from invoice_portal.portal.rendering import render_page
from invoice_portal.portal.views.common import paginate


@require_GET
@portal_required("portal.payment_history")
def payment_list(request: HttpRequest) -> HttpResponse:
    form = PaymentFilterForm(request.GET)
    amount_min, amount_max = form.amount_range()
    payments = selectors.portal_payment_list(request.user, form.to_filters(), amount_min=amount_min, amount_max=amount_max)
    page = paginate(request, payments)
    context = {"form": form, "page": page, "sort": form.current_sort, "show_credit": selectors.sees_company_credit(request.user)}
    return render_page(request, "portal/payments.html", context, partial="portal/partials/payment_results.html")
