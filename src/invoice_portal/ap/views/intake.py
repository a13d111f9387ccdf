"""E-invoices from senders who are not suppliers of ours yet: AP links each to a supplier (or creates it)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.ap.permissions import ap_required
from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_create
from invoice_portal.core.errors import DomainError
from invoice_portal.payables import selectors
from invoice_portal.payables.services.einvoice import einvoice_intake_link


@require_GET
@ap_required("ap.view")
def intake_list(request: HttpRequest) -> HttpResponse:
    waiting = selectors.waiting_einvoices()
    suppliers = selectors.supplier_choices()
    return render(request, "ap/intake.html", {"waiting": waiting, "suppliers": suppliers})


@require_POST
@ap_required("ap.enter")
def intake_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a waiting e-invoice for the chosen supplier, or for a new supplier made from the document's seller."""
    intake = selectors.waiting_einvoices().filter(pk=pk).first()
    if intake is None:
        raise Http404("No such waiting e-invoice.")
    try:
        with transaction.atomic():
            supplier: Company | None
            if request.POST.get("create"):
                supplier = company_create(actor=request.user, name=intake.seller_name, tax_id=intake.seller_vat, is_supplier=True,
                                          is_customer=False, currency=intake.currency)  # fmt: skip
            else:
                chosen = request.POST.get("supplier", "")
                supplier = selectors.supplier_choices().filter(pk=int(chosen)).first() if chosen.isdigit() else None
                if supplier is None:
                    messages.error(request, "Choose the supplier who sent it.")
                    return redirect("ap:ap_intake")
            invoice = einvoice_intake_link(actor=request.user, intake=intake, supplier=supplier)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("ap:ap_intake")
    messages.success(request, f"E-invoice {invoice.number} booked for {supplier}: {invoice.get_ap_status_display().lower()}.")
    return redirect("ap:ap_invoice_detail", pk=invoice.pk)
