"""Remittance advice: the buyer tells the seller about money sent offline and which invoices it is for."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from invoice_portal.core.errors import DomainError
from invoice_portal.core.money import as_str, format_money
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.checkout import payable_invoices
from invoice_portal.portal.forms import RemittanceForm, attach_error
from invoice_portal.portal.permissions import portal_required
from invoice_portal.portal.rendering import render_page
from invoice_portal.portal.views.common import ids_from, paginate
from invoice_portal.remittances import selectors as remittance_selectors
from invoice_portal.remittances.services import remittance_submit

MAX_LISTED = 100


def _open_invoices(request: HttpRequest) -> list[Invoice]:
    """What the buyer may say a payment was for: invoices they may pay, oldest due first (the selected ones always)."""
    chosen = ids_from(request.GET.getlist("invoice"))
    invoices = payable_invoices(request.user).select_related("company").order_by("due_date", "pk")
    listed = list(invoices[:MAX_LISTED])
    missing = [pk for pk in chosen if pk not in {inv.pk for inv in listed}]
    return listed + list(invoices.filter(pk__in=missing)) if missing else listed


@require_http_methods(["GET", "POST"])
@portal_required("portal.pay")
def remittance(request: HttpRequest) -> HttpResponse:
    invoices = _open_invoices(request)
    if request.method == "POST":
        form = RemittanceForm(request.POST, invoices=invoices)
        if form.is_valid():
            requested = form.requested()
            cd = form.cleaned_data
            try:
                advice = remittance_submit(
                    actor=request.user, amount=cd["amount"], method=cd["method"], reference=cd.get("reference") or "",
                    paid_on=cd["paid_on"], note=cd.get("note") or "", invoices_amounts=requested,
                )  # fmt: skip
            except DomainError as exc:
                attach_error(form, exc, fields=form.error_fields(requested))
            else:
                messages.success(
                    request,
                    f"Thank you: your remittance of {format_money(advice.amount, advice.currency)} is sent to the seller for confirmation.",
                )
                return HttpResponseRedirect(reverse("portal:remittance"), status=303)
    else:
        chosen = set(ids_from(request.GET.getlist("invoice")))
        form = RemittanceForm(
            invoices=invoices, initial={f"for_{inv.pk}": as_str(inv.balance, inv.currency) for inv in invoices if inv.pk in chosen}
        )
    context: dict[str, Any] = {
        "form": form,
        "several_companies": len({inv.company_id for inv in invoices}) > 1,
        "history": paginate(request, remittance_selectors.remittances_visible_to(request.user), per_page=20),
    }
    return render_page(request, "portal/remittance.html", context)
