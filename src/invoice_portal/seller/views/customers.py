"""Customers: balances, overdue, credit on account; one customer's invoices, payments, aging and statement."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.companies.models import Company
from invoice_portal.companies.services import company_update
from invoice_portal.core.csv_export import csv_response
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.documents.pdf import statement_pdf
from invoice_portal.payments.exports import STATEMENT_HEADER, statement_rows
from invoice_portal.payments.selectors import company_position
from invoice_portal.payments.statements import Statement
from invoice_portal.seller import charts, selectors
from invoice_portal.seller.forms import CustomerEInvoicingForm, CustomerFilterForm, StatementForm
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate

EINVOICING_FIELDS = ("peppol_scheme", "peppol_id", "leitweg_id", "einvoice_format")


@require_GET
@seller_required("customers.view")
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    page = paginate(request, selectors.customer_list(form.to_filters()))
    context = {"form": form, "page": page, "sort": form.cleaned_data.get("sort") or "name"}
    return render_page(request, "seller/customers/list.html", context, partial="seller/partials/customer_results.html")


def _statement_choice(request: HttpRequest, company: Company) -> tuple[StatementForm, dt.date, dt.date, str, list[str]]:
    """The statement's period and currency from the query (the page and its downloads read the same parameters)."""
    currencies = selectors.customer_currencies(company)
    form = StatementForm(request.GET)
    start, end = form.period()
    currency = form.cleaned_data.get("currency") or company.currency
    return form, start, end, currency if currency in currencies else company.currency, currencies


@require_GET
@seller_required("customers.view")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company.objects.select_related("parent"), pk=pk)
    return _detail_page(request, company, CustomerEInvoicingForm(initial={f: getattr(company, f) for f in EINVOICING_FIELDS}))


@require_POST
@seller_required("customers.edit")
def customer_einvoicing(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the customer's Peppol participant id, Leitweg-ID and preferred e-invoice format (``company_update`` checks them)."""
    company = get_object_or_404(Company.objects.select_related("parent"), pk=pk)
    form = CustomerEInvoicingForm(request.POST)
    if form.is_valid():
        try:
            company_update(actor=request.user, company=company, **form.cleaned_data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, "E-invoicing saved.")
            return redirect("seller:customer_detail", pk=company.pk)
    return _detail_page(request, company, form, status=422)


def _detail_page(request: HttpRequest, company: Company, einvoicing: CustomerEInvoicingForm, *, status: int = 200) -> HttpResponse:
    user = request.user
    statement_form, start, end, currency, currencies = _statement_choice(request, company)
    sees_money = seller_can(user, "invoices.view")
    context = {
        "company": company,
        "subsidiaries": list(company.subsidiaries.order_by("name")),
        "positions": [company_position(company.pk, c) for c in currencies] if sees_money else [],
        "aging": [charts.aging_chart(b) for b in selectors.aging_totals(company_id=company.pk)] if sees_money else [],
        "invoices": selectors.recent_invoices(company.pk) if sees_money else [],
        "payments": selectors.recent_payments(company.pk) if seller_can(user, "payments.view") else [],
        "promises": selectors.promises_for_seller(company_id=company.pk) if seller_can(user, "payments.view") else [],
        "statement": selectors.customer_statement(company, currency, start=start, end=end) if sees_money else None,
        "statement_form": statement_form,
        "statement_query": urlencode({"start": start.isoformat(), "end": end.isoformat(), "currency": currency}),
        "currencies": currencies,
        "statement_currency": currency,
        "period": (start, end),
        "einvoicing_form": einvoicing,
    }
    response = render_page(request, "seller/customers/detail.html", context)
    response.status_code = status
    return response


def _statement(request: HttpRequest, pk: int) -> Statement:
    # The statement lists every invoice and payment of the customer: the page shows it only with invoices.view.
    if not seller_can(request.user, "invoices.view"):
        raise PermissionDenied("Needs the 'invoices.view' permission.")
    company = get_object_or_404(Company, pk=pk)
    _, start, end, currency, _ = _statement_choice(request, company)
    return selectors.customer_statement(company, currency, start=start, end=end)


def _stem(statement: Statement) -> str:
    company = statement.company.external_id or f"company-{statement.company.pk}"
    return f"statement-{company}-{statement.currency}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}"


@require_GET
@seller_required("customers.view")
def customer_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    stmt = _statement(request, pk)
    content = statement_pdf(statement=stmt, aging=selectors.aging_totals(company_id=stmt.company.pk))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_stem(stmt)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@seller_required("customers.view")
def customer_statement_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    stmt = _statement(request, pk)
    return csv_response(f"{_stem(stmt)}.csv", STATEMENT_HEADER, statement_rows(stmt))
