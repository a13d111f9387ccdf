"""Promises to pay the buyers made in the portal: the list by promised day, kept and broken, and its CSV."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.remittances.selectors import promise_report
from invoice_portal.seller.exports import PROMISE_HEADER, csv_response, export_filename, promise_rows
from invoice_portal.seller.forms import PromiseFilterForm
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.selectors import promises_for_seller
from invoice_portal.seller.views.common import paginate


@require_GET
@seller_required("payments.view")
def promise_list(request: HttpRequest) -> HttpResponse:
    """Promises by promised day, filtered by day (today, passed, upcoming) and status, with the kept/broken tally."""
    form = PromiseFilterForm(request.GET)
    filters = form.filters()
    views = promises_for_seller(due=filters["due"])
    tally = promise_report(views)
    shown = [v for v in views if v.status == filters["status"]] if filters["status"] else views
    context = {"form": form, "page": paginate(request, shown), "tally": tally, "query": request.GET.urlencode()}
    return render_page(request, "seller/promises/list.html", context, partial="seller/partials/promise_results.html")


@require_GET
@seller_required("payments.view")
def promise_export(request: HttpRequest) -> StreamingHttpResponse:
    """Exactly the promises of the list under the same filters."""
    if not seller_can(request.user, "invoices.export"):
        raise PermissionDenied("Needs the 'invoices.export' permission.")
    filters = PromiseFilterForm(request.GET).filters()
    return csv_response(
        export_filename("promises"), PROMISE_HEADER, promise_rows(promises_for_seller(due=filters["due"], status=filters["status"]))
    )
