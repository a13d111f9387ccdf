"""The supplier portal's "what was paid": payments to the supplier's own company, each with the invoices it settled.

Read through ``payables.selectors_payments.supplier_payments_visible_to``: a supplier's user sees their
own company's payments only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from invoice_portal.core.pagination import paginate_rows
from invoice_portal.payables.selectors_payments import supplier_payments_visible_to
from invoice_portal.supplier.permissions import supplier_required


@require_GET
@supplier_required("supplier.view")
def payments(request: HttpRequest) -> HttpResponse:
    page = paginate_rows(supplier_payments_visible_to(request.user), request.GET.get("page"), 25)
    return render(request, "supplier/payments.html", {"page": page})
