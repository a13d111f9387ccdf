"""What can be wrong with an e-invoice before its content is even looked at: typed, each a 4xx."""

from __future__ import annotations

from invoice_portal.core.errors import DomainError


class EInvoiceRefused(DomainError):
    """The bytes are not a document we read: malformed XML, a DOCTYPE (entities, XML bombs), not UBL or CII."""

    code = "einvoice_unreadable"
    status = 400
    title = "Unreadable e-invoice"


class EInvoiceTooLarge(EInvoiceRefused):
    code = "einvoice_too_large"
    status = 413
    title = "E-invoice too large"


class EInvoiceInvalid(DomainError):
    """Well-formed UBL or CII whose content cannot be read: a required element missing, a number that is not one."""

    code = "einvoice_invalid"
    status = 422
    title = "Invalid e-invoice"

    def __init__(self, message: str, *, location: str) -> None:
        super().__init__(f"{location}: {message}", field=location)
        self.location = location
