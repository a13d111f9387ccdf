"""Reports: AR aging by customer, DSO, invoiced and collected per month, open disputes; each as CSV too."""

from __future__ import annotations

from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from invoice_portal.core.db_router import replica_reads, replica_rows
from invoice_portal.core.money import as_str
from invoice_portal.seller import charts, selectors
from invoice_portal.seller.exports import csv_response, export_filename
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.rendering import render_page


@require_GET
@seller_required("reports.view")
def reports(request: HttpRequest) -> HttpResponse:
    with replica_reads():  # read-only: the whole page, template included, may read from a replica
        return _reports_page(request)


def _reports_page(request: HttpRequest) -> HttpResponse:
    flows = selectors.monthly_flows(months=12)
    aging_totals = selectors.aging_totals()
    context = {
        "today": timezone.localdate(),
        "aging_totals": aging_totals,
        "aging_charts": [charts.aging_chart(b) for b in aging_totals],
        "aging_rows": selectors.aging_by_customer(),
        "dso": selectors.days_sales_outstanding(days=90),
        "flow_currencies": list(flows),
        "flow_rows": _flow_table(flows),
        "flow_charts": [charts.flow_chart(c, months) for c, months in flows.items()],
        "disputes": list(selectors.open_dispute_list()),
        "bucket_labels": selectors.BUCKET_LABELS,
    }
    return render_page(request, "seller/reports/index.html", context)


def _flow_table(flows: dict[str, list[selectors.MonthFlow]]) -> list[tuple[object, list[selectors.MonthFlow]]]:
    """Months as rows, each with its figure per currency (every currency has the same months)."""
    columns = list(flows.values())
    if not columns:
        return []
    return [(month.month, [column[i] for column in columns]) for i, month in enumerate(columns[0])]


def _aging_rows() -> Iterator[list[object]]:
    for row in selectors.aging_by_customer():
        b = row.buckets
        yield [
            row.company_name,
            row.external_id or "",
            b.currency,
            *(as_str(v, b.currency) for _, v in b.as_list()),
            as_str(b.total, b.currency),
        ]


def _dso_rows() -> Iterator[list[object]]:
    for d in selectors.days_sales_outstanding(days=90):
        yield [d.currency, as_str(d.receivables, d.currency), as_str(d.sales, d.currency), d.days, "" if d.value is None else d.value]


def _flow_rows() -> Iterator[list[object]]:
    for currency, months in selectors.monthly_flows(months=12).items():
        for m in months:
            yield [f"{m.month:%Y-%m}", currency, as_str(m.invoiced, currency), as_str(m.collected, currency)]


def _dispute_rows() -> Iterator[list[object]]:
    today = timezone.localdate()
    for d in selectors.open_dispute_list():
        yield [
            d.invoice.number or "", d.invoice.company.name, d.line.line_no, d.line.description, d.get_reason_display(), d.text,
            f"{d.created_at:%Y-%m-%d}", (today - timezone.localtime(d.created_at).date()).days,
        ]  # fmt: skip


REPORTS = {
    "aging": (("Customer", "External id", "Currency", *selectors.BUCKET_LABELS, "Total"), _aging_rows),
    "dso": (("Currency", "Receivables", "Net sales (90 days)", "Days", "DSO"), _dso_rows),
    "collections": (("Month", "Currency", "Invoiced", "Collected"), _flow_rows),
    "disputes": (("Invoice", "Customer", "Line", "Description", "Reason", "Text", "Opened", "Age (days)"), _dispute_rows),
}


@require_GET
@seller_required("reports.view")
def report_export(request: HttpRequest, name: str) -> StreamingHttpResponse:
    if name not in REPORTS:
        raise Http404("No such report.")
    header, rows = REPORTS[name]
    return csv_response(export_filename(f"report-{name}"), header, replica_rows(rows))
