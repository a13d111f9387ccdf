"""The words users read for invoice types and statuses (seed 003).

The types (invoice, credit note, debit note) and statuses are locked: the product defines them, none can
be created or deleted. Each one's **description** is editable by an Admin (``wording_update``, audited)
and is what every page, the portal and the PDFs show for it, through ``current_wording`` (one query; the
template tags keep it for the request). A credit note's open / partly / fully applied states have words of
their own ("Available credit", not "Unpaid").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import PermissionDenied, ValidationFailed
from invoice_portal.core.prepared import Prepared
from invoice_portal.invoices.models import CREDIT_NOTE_LABELS, NOTHING_TO_PAY_LABEL, DocumentWording, Invoice, Kind, Status, WordingSubject

Key = tuple[str, str]

DEFAULTS: dict[Key, str] = {
    **{(WordingSubject.KIND.value, k.value): str(k.label) for k in Kind},
    **{(WordingSubject.STATUS.value, s.value): str(s.label) for s in Status},
    **{(WordingSubject.CREDIT_STATUS.value, str(code)): label for code, label in CREDIT_NOTE_LABELS.items()},
}

# What each one means, shown beside its description on the settings page (after seed 003).
MEANINGS: dict[Key, str] = {
    ("kind", "invoice"): "Debit: charges the customer for products or services.",
    ("kind", "debit_note"): "Debit: increases what the customer owes on an invoice.",
    ("kind", "credit_note"): "Credit: a discount, refund or correction that reduces what the customer owes.",
    ("status", "draft"): "Being prepared; not yet issued, never shown to the customer.",
    ("status", "open"): "Issued and nothing paid yet (the default status of a new debit invoice).",
    ("status", "partially_paid"): "Issued; payments or credit cover part of it.",
    ("status", "paid"): "Paid in full: payments or credit notes cover the whole amount.",
    ("status", "canceled"): "Canceled: excluded from the customer's balance.",
    ("credit_status", "open"): "A credit note none of whose credit is used yet.",
    ("credit_status", "partially_paid"): "A credit note partly applied to invoices.",
    ("credit_status", "paid"): "A credit note wholly applied to invoices.",
}

MAX_LENGTH = 60


@dataclass(frozen=True)
class Wording:
    """The descriptions in force: the defaults overlaid with what the Admin has written."""

    words: Mapping[Key, str]

    def kind(self, kind: str) -> str:
        return self.words.get(("kind", kind), kind)

    def status(self, status: str, kind: str = Kind.INVOICE) -> str:
        """A document's status in its kind's words (a credit note's credit is "applied", not "paid")."""
        if kind == Kind.CREDIT_NOTE and ("credit_status", status) in self.words:
            return self.words[("credit_status", status)]
        return self.words.get(("status", status), status)

    def document_status(self, status: str, kind: str, total: Decimal) -> str:
        """A document's status as its readers see it: an issued zero-total document reads "Nothing to pay"
        (``Invoice.nothing_to_pay``), every other one the Admin's words for its status."""
        return NOTHING_TO_PAY_LABEL if status == Status.PAID and total == 0 else self.status(status, kind)

    def of(self, document: Invoice) -> str:
        """``document_status`` of one invoice, debit note or credit note."""
        return self.document_status(document.status, document.kind, document.total)

    def status_choices(self, *, exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The statuses in the Admin's words, for a filter's options."""
        return [(s.value, self.status(s.value)) for s in Status if s.value not in exclude]

    def kind_choices(self) -> list[tuple[str, str]]:
        """The document types in the Admin's words, for a filter's options."""
        return [(k.value, self.kind(k.value)) for k in Kind]


_ALL = Prepared(lambda: DocumentWording.objects.all())  # read by every issue: its statement is built once
_scope: ContextVar[list[Wording] | None] = ContextVar("document_wording_scope", default=None)


def current_wording() -> Wording:
    """The descriptions in force (one query; inside ``wording_read_once`` the first read is kept)."""
    kept = _scope.get()
    if kept:
        return kept[0]
    words = dict(DEFAULTS)
    words.update({(row.subject, row.code): row.description for row in _ALL.all()})
    wording = Wording(words)
    if kept is not None:
        kept.append(wording)
    return wording


@contextmanager
def wording_read_once() -> Iterator[None]:
    """Read the descriptions at most once inside this block (an API call: the issued document's email and the
    answer's labels share one read). ``wording_update`` inside the block forgets the kept copy."""
    token = _scope.set([])
    try:
        yield
    finally:
        _scope.reset(token)


def status_words(document: Invoice) -> str:
    """A document's status as a sentence names it, in the Admin's words ("INV-2026-000042 is unpaid; …"): what
    refusals say, so an error never calls a status by another name than the pages do."""
    return current_wording().of(document).lower()


_REQUEST_CACHE = "_invoice_wording"


def request_wording(holder: object) -> Wording:
    """The descriptions in force, read once per request: kept on ``holder`` (the request) so the filter form,
    the badges and the API's labels of one request share one read."""
    cached = getattr(holder, _REQUEST_CACHE, None)
    if cached is None:
        cached = current_wording()
        setattr(holder, _REQUEST_CACHE, cached)
    return cached


@transaction.atomic
def wording_update(*, actor: Any, subject: str, code: str, description: str) -> bool:
    """Set the description of one locked type or status; Admin only (``settings.manage``). Returns whether it changed.

    Nothing is created that the product does not define, and nothing is deleted: an empty description is
    refused (write the default again to go back to it).
    """
    if actor is None or getattr(actor, "company_id", None) is not None or not user_has_perm(actor, "settings.manage"):
        raise PermissionDenied("Only an Admin may change the descriptions of invoice types and statuses.")
    key = (subject, code)
    if key not in DEFAULTS:
        raise ValidationFailed("Invoice types and statuses are fixed; only their descriptions can be changed.", field="description")
    text = " ".join((description or "").split())
    if not text:
        raise ValidationFailed("description: write the words users should see (the default is fine).", field="description")
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(f"description: at most {MAX_LENGTH} characters.", field="description")
    row = DocumentWording.objects.select_for_update().filter(subject=subject, code=code).first()
    old = row.description if row is not None else DEFAULTS[key]
    if old == text:
        return False
    if row is None:
        row = DocumentWording(subject=subject, code=code)
    row.description, row.updated_by = text, actor
    row.save()
    kept = _scope.get()
    if kept:
        kept.clear()
    audit_record(
        actor=actor, obj=row, action="wording.update",
        before={"subject": WordingSubject(subject).label, "code": code, "description": old},
        after={"subject": WordingSubject(subject).label, "code": code, "description": text},
    )  # fmt: skip
    return True
