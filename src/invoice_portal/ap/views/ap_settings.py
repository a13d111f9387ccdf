"""The AP discount setting: whether received invoices are entered as gross, discount and net."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from invoice_portal.ap.permissions import ap_required
from invoice_portal.audit.selectors import audit_events_for
from invoice_portal.payables.models import payables_settings
from invoice_portal.payables.services.ap_settings import payables_discounts_set


@require_http_methods(["GET", "POST"])
@ap_required("settings.manage")
def discounts(request: HttpRequest) -> HttpResponse:
    row = payables_settings()
    if request.method == "POST":
        enabled = request.POST.get("discounts_enabled") == "on"
        payables_discounts_set(actor=request.user, enabled=enabled)
        messages.success(request, "Invoice discounts switched on." if enabled else "Invoice discounts switched off.")
        return redirect("ap:ap_discounts")
    history = audit_events_for(row).filter(action="payables_settings.discounts").order_by("-at", "-pk")[:10]
    return render(request, "ap/discounts.html", {"settings": row, "history": history})
