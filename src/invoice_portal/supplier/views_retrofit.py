"""An invoice with no purchase order behind it, entered by the supplier: a retrofit order is made from its
lines for the person who ordered it, and the invoice waits in Pending initial acceptance until they accept it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.invoices.models import Source
from invoice_portal.payables import selectors
from invoice_portal.payables.forms import RetrofitForm
from invoice_portal.payables.services import retrofit_invoice_create
from invoice_portal.supplier.permissions import supplier_required

FORM_FIELDS = {"number": "number", "issue_date": "issue_date", "requester": "requester_email", "lines": "desc_0"}
NO_SUCH_REQUESTER = "Nobody with us has this email address: ask your contact for the one they use at work."


@require_http_methods(["GET", "POST"])
@supplier_required("supplier.submit")
def invoice_without_po(request: HttpRequest) -> HttpResponse:
    form = RetrofitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        requester = selectors.staff_member_by_email(cd["requester_email"])
        if requester is None:
            form.add_error("requester_email", NO_SUCH_REQUESTER)
        else:
            company_id = getattr(request.user, "company_id", None)
            assert isinstance(company_id, int)  # supplier_required let only a company's user in
            supplier = Company.objects.get(pk=company_id)
            try:
                invoice = retrofit_invoice_create(
                    actor=request.user, supplier=supplier, number=cd["number"], lines=cd["lines"], requester=requester,
                    issue_date=cd["issue_date"], notes=cd["notes"], source=Source.SUPPLIER_PORTAL,
                )  # fmt: skip
            except DomainError as exc:
                attach_error(form, exc, fields=FORM_FIELDS)
            else:
                messages.success(request, f"Invoice {invoice.number} submitted: it waits until the person who ordered it accepts it.")
                return redirect("supplier:invoice_detail", pk=invoice.pk)
    return render(request, "supplier/invoice_without_po.html", {"form": form}, status=422 if form.errors else 200)
