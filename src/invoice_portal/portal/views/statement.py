"""Statement of account and aging of the own company, on screen, as CSV and as PDF."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from invoice_portal.core.csv_export import csv_response
from invoice_portal.payments.exports import STATEMENT_HEADER, statement_rows
from invoice_portal.portal import selectors
from invoice_portal.portal.forms import StatementForm
from invoice_portal.portal.permissions import portal_can_for_company, portal_required
from invoice_portal.portal.rendering import render_page


def _statement(request: HttpRequest) -> tuple[StatementForm, selectors.Statement]:
    # Payments are part of a statement: it needs the company's payment history as well as its invoices.
    if not portal_can_for_company(request.user, "portal.payment_history"):
        raise PermissionDenied("Needs the company's payment history.")
    form = StatementForm(request.GET, currencies=selectors.statement_currencies(request.user))
    start, end = form.period()
    return form, selectors.portal_statement(request.user, form.chosen_currency(), start=start, end=end)


def _stem(statement: selectors.Statement) -> str:
    company = statement.company.external_id or f"company-{statement.company.pk}"
    return f"statement-{company}-{statement.currency}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}"


@require_GET
@portal_required("portal.view", company_wide=True)
def statement(request: HttpRequest) -> HttpResponse:
    form, stmt = _statement(request)
    context = {
        "form": form, "statement": stmt, "aging": selectors.portal_aging(request.user), "query": request.GET.urlencode(),
        "scope_words": selectors.scope_words(request.user),
    }  # fmt: skip
    return render_page(request, "portal/statement.html", context)


@require_GET
@portal_required("portal.view", company_wide=True)
def statement_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, stmt = _statement(request)
    return csv_response(f"{_stem(stmt)}.csv", STATEMENT_HEADER, statement_rows(stmt))


@require_GET
@portal_required("portal.view", company_wide=True)
def statement_pdf(request: HttpRequest) -> HttpResponse:
    """The statement as a PDF, rendered from the documents app's statement template (shared with the seller app)."""
    from invoice_portal.documents.pdf import statement_pdf as render_statement

    _, stmt = _statement(request)
    content = render_statement(statement=stmt, aging=selectors.portal_aging(request.user))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_stem(stmt)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
