"""Every write to invoice documents goes through these transitions."""

from invoice_portal.invoices.services.disputes import dispute_open, dispute_reject, dispute_resolve_by_credit
from invoice_portal.invoices.services.documents import (
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_issue,
    invoice_settle,
    invoice_update,
    invoices_settle,
    settled_status,
)
from invoice_portal.invoices.services.holds import invoice_hold, invoice_release_hold
from invoice_portal.invoices.services.memos import credit_note_create, debit_note_create
from invoice_portal.invoices.services.orders import invoice_create_from_order

__all__ = [
    "credit_note_create", "debit_note_create", "dispute_open", "dispute_reject", "dispute_resolve_by_credit",
    "invoice_cancel", "invoice_create", "invoice_create_from_order", "invoice_delete", "invoice_hold", "invoice_issue",
    "invoice_release_hold", "invoice_settle", "invoice_update", "invoices_settle", "settled_status",
]  # fmt: skip
