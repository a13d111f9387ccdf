"""Customers: balances, overdue, credit on account; one customer's invoices, payments, aging and statement."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from invoice_portal.companies.models import Company
from invoice_portal.payments.selectors import company_position
from invoice_portal.seller import charts, selectors
from invoice_portal.seller.forms import CustomerFilterForm, StatementForm
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate


@require_GET
@seller_required("customers.view")
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    page = paginate(request, selectors.customer_list(form.to_filters()))
    context = {"form": form, "page": page, "sort": form.cleaned_data.get("sort") or "name"}
    return render_page(request, "seller/customers/list.html", context, partial="seller/partials/customer_results.html")


@require_GET
@seller_required("customers.view")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_object_or_404(Company.objects.select_related("parent"), pk=pk)
    user = request.user
    currencies = selectors.customer_currencies(company)
    statement_form = StatementForm(request.GET)
    start, end = statement_form.period()
    currency = statement_form.cleaned_data.get("currency") or company.currency
    if currency not in currencies:
        currency = company.currency
    sees_money = seller_can(user, "invoices.view")
    context = {
        "company": company,
        "subsidiaries": list(company.subsidiaries.order_by("name")),
        "positions": [company_position(company.pk, c) for c in currencies] if sees_money else [],
        "aging": [charts.aging_chart(b) for b in selectors.aging_totals(company_id=company.pk)] if sees_money else [],
        "invoices": selectors.recent_invoices(company.pk) if sees_money else [],
        "payments": selectors.recent_payments(company.pk) if seller_can(user, "payments.view") else [],
        "statement": selectors.customer_statement(company, currency, start=start, end=end) if sees_money else None,
        "statement_form": statement_form,
        "currencies": currencies,
        "statement_currency": currency,
        "period": (start, end),
    }
    return render_page(request, "seller/customers/detail.html", context)
