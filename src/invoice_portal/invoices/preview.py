"""What issuing a draft will do, read before it is done: the seller app's confirmation step.

Nothing here writes; the rules themselves are ``invoice_issue``'s. The number shown is the one the
counter would give now (another document issued meanwhile takes it, and this one gets the next).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from invoice_portal.core.models import NumberSequence
from invoice_portal.core.numbering import format_number
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.models import Invoice, Kind
from invoice_portal.invoices.services.documents import due_date_on_issue, number_key, number_template
from invoice_portal.notifications.selectors import invoice_recipients, notification_settings


@dataclass(frozen=True)
class IssuePreview:
    customer: str
    kind: str
    total: Decimal
    tax_total: Decimal
    currency: str
    lines: int
    issue_date: dt.date
    due_date: dt.date
    likely_number: str
    email_to: list[str]
    nothing_to_pay: bool


def issue_preview(invoice: Invoice) -> IssuePreview:
    settings = portal_settings()
    issue_date = invoice.issue_date or timezone.localdate()
    template = number_template(settings, invoice.kind)
    counter = NumberSequence.objects.filter(key=number_key(invoice.kind, issue_date.year)).values_list("last_value", flat=True).first()
    return IssuePreview(
        customer=str(invoice.company),
        kind=invoice.get_kind_display(),
        total=invoice.total,
        tax_total=invoice.tax_total,
        currency=invoice.currency,
        lines=invoice.lines.count(),
        issue_date=issue_date,
        due_date=due_date_on_issue(invoice, issue_date),
        likely_number=format_number(template, year=issue_date.year, seq=(counter or 0) + 1),
        email_to=invoice_recipients(invoice) if notification_settings().email_on_issue else [],
        nothing_to_pay=invoice.total == 0 and invoice.kind != Kind.CREDIT_NOTE,
    )
