"""The cells of an invoice list row (the seller's dashboard, the buyer portal's list), worked out once per row.

A list page shows 50 documents of ten-odd cells each. Written in the template, every cell is a lookup
through the template engine, a filter (dates through the locale machinery, money), a tag (the status
badge reads the wording) — about 0.3 ms a row, most of a page's time. Here each cell is computed once
in Python, with the same helpers the template filters and tags use, and the template only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from invoice_portal.core.money import format_money
from invoice_portal.core.templatetags.badges import badge_html
from invoice_portal.invoices.models import Invoice, Kind
from invoice_portal.invoices.wording import Wording

NO_DATE = "—"


@dataclass(frozen=True, slots=True)
class InvoiceCells:
    invoice: Invoice
    key: str  # the primary key as text (checkbox values and element ids)
    label: str  # its number, or "Draft invoice #12"
    kind: str  # the Admin's words for a debit or credit note; "" for an invoice
    issued: str  # "2026-01-31", or "—"
    due: str
    total: str  # signed (a credit note's is negative), with the currency's sign
    balance: str | None  # None for a canceled document, which shows no balance
    badges: SafeString  # status, then Overdue and Disputed where they apply, then ``extra_badges``


def invoice_cells(invoice: Invoice, *, wording: Wording, today: dt.date, extra_badges: Iterable[SafeString] = ()) -> InvoiceCells:
    """One row's cells. ``invoice`` carries ``has_open_dispute`` (``with_flags``); ``today`` is the local date."""
    badges: list[SafeString] = [badge_html(wording.of(invoice), invoice.status_colour)]
    if invoice.is_overdue_on(today):
        badges.append(badge_html("Overdue", "red"))
    if getattr(invoice, "has_open_dispute", False):
        badges.append(badge_html("Disputed", "amber"))
    badges.extend(extra_badges)
    balance = invoice.signed_balance
    return InvoiceCells(
        invoice=invoice,
        key=str(invoice.pk),
        label=str(invoice),
        kind="" if invoice.kind == Kind.INVOICE else wording.kind(invoice.kind),
        issued=_date(invoice.issue_date),
        due=_date(invoice.due_date),
        total=format_money(invoice.signed_total, invoice.currency),
        balance=None if balance is None else format_money(balance, invoice.currency),
        badges=SafeString(" ".join(badges)),  # each one markup already (``badge_html``); one space between two
    )


def _date(value: dt.date | None) -> str:
    return NO_DATE if value is None else value.isoformat()
