"""Typed domain errors.

Every expected failure is a ``DomainError`` with a stable ``code``, an HTTP status and a
message written for the person who caused it. The API turns them into
``application/problem+json``; the UI into a form message. A 500 means a bug.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    status = 422
    title = "The request cannot be carried out"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    code = "invalid"
    title = "Invalid input"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, field=field)
        self.errors = errors or ({field: message} if field else {})


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"


class InvalidCurrency(ValidationFailed):
    code = "invalid_currency"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403
    title = "Not allowed"


class Conflict(DomainError):
    """The object is in a state that does not allow the action."""

    code = "conflict"
    status = 409
    title = "Conflict with the current state"


class InvoiceNotEditable(Conflict):
    code = "invoice_not_editable"


class InvoiceNotDeletable(Conflict):
    code = "invoice_not_deletable"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class AllocationExceedsBalance(Conflict):
    code = "allocation_exceeds_balance"


class AllocationExceedsPayment(Conflict):
    code = "allocation_exceeds_payment"


class AllocationNotAllowed(Conflict):
    code = "allocation_not_allowed"


class TotalBelowAllocated(Conflict):
    code = "total_below_allocated"


class RefundExceedsPayment(Conflict):
    code = "refund_exceeds_payment"


class CreditExceedsInvoice(Conflict):
    code = "credit_exceeds_invoice"


class OrderAlreadyInvoiced(Conflict):
    code = "order_already_invoiced"


class DocumentNotIssued(Conflict):
    """A draft (or a received document) has no number of ours and so no e-invoice to export."""

    code = "document_not_issued"


class EInvoiceNotPossible(DomainError):
    """The document is valid, but an e-invoice of it would break EN 16931 / Peppol rules (the reason says which)."""

    code = "einvoice_not_possible"
    title = "No e-invoice for this document"


class StoredTotalsMismatch(Conflict):
    """A document's stored totals differ from what its lines give (``check-books`` reports the same)."""

    code = "stored_totals_mismatch"
