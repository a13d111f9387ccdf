"""Creating many new invoice documents at once, with exactly what ``invoice_create`` + ``invoice_issue`` write.

The per-document services take a dozen queries each (row locks, the number counter, the seal
chain head, two audit events); at ERP volumes that is the bottleneck. This path validates and
computes each document with the same functions the services use — ``parse_lines``, the header
rules and ``compute_totals`` (through ``documents._set_header``/``_apply_totals``), ``settled_status``,
``invoice_content``/``invoice_audit_view`` for what is sealed and audited, ``content_hash``/``chain_hash``
for the chain — and then writes documents, lines, numbers, audit events and seals in a few
statements per chunk (``COPY`` on PostgreSQL). Numbers are reserved as one block per counter inside the caller's
transaction (gapless: a rollback returns the block), and the chain head is locked once per chunk.

``tests/test_bulk.py`` holds this path to the services: same stored fields, same audit events,
same seals, and ``check_books`` clean.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from invoice_portal.audit.context import current_origin
from invoice_portal.audit.models import AuditEvent, ChainHead, DocumentSeal
from invoice_portal.audit.services import audit_written, chain_hash, content_hash
from invoice_portal.companies.models import Company
from invoice_portal.core.bulk import row_new, rows_insert
from invoice_portal.core.errors import ValidationFailed
from invoice_portal.core.models import NumberSequence
from invoice_portal.core.money import check_currency
from invoice_portal.core.numbering import format_number
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.invoices.lines import LineSpec, parse_lines
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.seller import seller_snapshot
from invoice_portal.invoices.services.documents import (
    _apply_totals,  # the one place header and totals rules live; see the module docstring
    _set_header,
    check_not_subject_alone,
    invoice_audit_view,
    invoice_content,
    settled_status,
)
from invoice_portal.orders.models import Order

_KINDS = frozenset(Kind.values)


@dataclass
class NewDocument:
    """A document validated and computed in memory, waiting to be written."""

    invoice: Invoice
    issue: bool
    number: str | None = None  # a document issued elsewhere (an e-invoice the ERP posts) keeps its own number


def document_prepare(
    *,
    actor: Any,
    company: Company,
    lines: list[dict[str, Any]],
    kind: str,
    source: str,
    currency: str,
    order: Order | None,
    external_id: str,
    header: dict[str, Any],
    issue: bool,
    number: str | None = None,
) -> NewDocument:
    """Everything ``invoice_create`` (and, with ``issue``, ``invoice_issue``) checks, without writing.

    ``number``, only with ``issue``: the document keeps this number instead of taking one from our
    sequence (whether it is taken is the caller's look-up, and the database's unique constraint).
    """
    if number is not None:
        number = number.strip()
        if not issue:
            raise ValidationFailed("number: only a document issued at once keeps a number of its own.", field="number")
        if not number or len(number) > 50:
            raise ValidationFailed("number: between 1 and 50 characters.", field="number")
    if kind not in _KINDS:
        raise ValidationFailed(f"kind: must be one of {', '.join(Kind.values)}.", field="kind")
    currency = check_currency(currency)
    if order is not None and order.company_id != company.pk:
        raise ValidationFailed("order: belongs to another company.", field="order")
    if order is not None and order.currency != currency:
        raise ValidationFailed(f"currency: the order is in {order.currency}.", field="currency")
    specs = parse_lines(lines, currency)
    invoice = row_new(
        Invoice, kind=kind, direction=Direction.ISSUED, source=source, company=company, currency=currency, order=order,
        external_id=external_id or None, created_by=actor if getattr(actor, "pk", None) is not None else None,
        po_number=order.po_number if order is not None else "",
    )  # fmt: skip
    _set_header(invoice, header, specs)
    _apply_totals(invoice, specs)
    if issue:
        _check_issuable(invoice, specs)
    return NewDocument(invoice, issue, number)


def _check_issuable(invoice: Invoice, specs: Sequence[LineSpec]) -> None:
    if not specs:
        raise ValidationFailed("lines: a document needs at least one line to be issued.", field="lines")
    check_not_subject_alone(invoice, specs)
    issue_date = invoice.issue_date or timezone.localdate()
    if invoice.due_date is not None and invoice.due_date < issue_date:
        raise ValidationFailed("due_date: before the issue date.", field="due_date")


def document_inputs(*, company: Company, order: Order | None, currency: str) -> tuple[Any, ...]:
    """What ``document_prepare`` reads of the rows it is given (and the currency the caller chose from them): two
    documents prepared from the same cells with equal inputs are the same document (see ``document_renew``)."""
    placed = None if order is None else (order.pk, order.company_id, order.currency, order.po_number)
    return (company.pk, currency, placed)


def document_renew(new: NewDocument, *, company: Company, order: Order | None) -> NewDocument:
    """``new``, which ``document_prepare`` made earlier from the same cells and ``document_inputs``, made as it would
    make it now: the rows given now, a new creation time, and the checks that depend on the day run again. Lets an
    import's applying pass take what its validating pass computed instead of parsing and totalling every line again."""
    invoice = new.invoice
    invoice.company = company
    invoice.order = order
    invoice.created_at = timezone.now()  # row_new's one per-instance default of a document (Invoice.created_at)
    if new.issue:
        _check_issuable(invoice, [spec for spec, _ in invoice._pending_lines])  # type: ignore[attr-defined]
    return new


def _reserve_numbers(key: str, count: int) -> int:
    """Take ``count`` consecutive values of a gapless counter; returns the first. Same rules as ``next_value``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are reserved inside the issuing transaction")
    updated = NumberSequence.objects.filter(key=key).update(last_value=F("last_value") + count)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(key=key, last_value=count)
                return 1
        except IntegrityError:
            NumberSequence.objects.filter(key=key).update(last_value=F("last_value") + count)
    return NumberSequence.objects.get(key=key).last_value - count + 1


def _prime_lines(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Let ``invoice.lines.all()`` answer from memory, as ``prefetch_related`` would."""
    cached = invoice.lines.all()
    cached._result_cache = lines
    cached._prefetch_done = True  # type: ignore[attr-defined]
    invoice._prefetched_objects_cache = {"lines": cached}  # type: ignore[attr-defined]


def audit_event_new(*, actor: Any, invoice: Invoice, action: str, before: dict[str, Any] | None, after: dict[str, Any]) -> AuditEvent:
    origin = current_origin()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    return row_new(
        AuditEvent, actor=actor if is_user else None,
        actor_label=(getattr(actor, "email", "") if is_user else (str(actor) if actor else "system")),
        channel=origin.channel, channel_ref=origin.ref[:200], object_type=Invoice._meta.label_lower,
        object_id=str(invoice.pk), action=action, before=before, after=after,
    )  # fmt: skip


@dataclass
class _Issuing:
    """What numbering needs once per call: the time, the settings' number formats and the seller as it stands."""

    now: dt.datetime
    today: dt.date
    snapshot: dict[str, Any]
    templates: dict[str, str]


def _issuing() -> _Issuing:
    settings = portal_settings()
    return _Issuing(
        now=timezone.now(), today=timezone.localdate(), snapshot=seller_snapshot(settings),
        templates={Kind.INVOICE: settings.invoice_number_format, Kind.CREDIT_NOTE: settings.credit_note_number_format,
                   Kind.DEBIT_NOTE: settings.debit_note_number_format},
    )  # fmt: skip


def _number(documents: Sequence[NewDocument], issuing: _Issuing) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Number the documents to issue (one block per counter); returns the dates each had as a draft, by ``id(invoice)``."""
    drafts: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    to_number: dict[str, list[Invoice]] = defaultdict(list)
    for doc in documents:
        invoice = doc.invoice
        drafts[id(invoice)] = (invoice.issue_date, invoice.due_date)
        if doc.issue:
            invoice.issue_date = invoice.issue_date or issuing.today
            if invoice.due_date is None:
                invoice.due_date = invoice.issue_date + dt.timedelta(days=invoice.company.payment_terms_days)
            if doc.number is not None:
                invoice.number = doc.number
                _issued_now(invoice, issuing)
            else:
                to_number[f"{invoice.kind}:{invoice.issue_date.year}"].append(invoice)
    for key, numbered in to_number.items():
        first = _reserve_numbers(key, len(numbered))
        for offset, invoice in enumerate(numbered):
            assert invoice.issue_date is not None
            invoice.number = format_number(issuing.templates[invoice.kind], year=invoice.issue_date.year, seq=first + offset)
            _issued_now(invoice, issuing)
    return drafts


def _issued_now(invoice: Invoice, issuing: _Issuing) -> None:
    invoice.issued_at = issuing.now
    invoice.seller_snapshot = issuing.snapshot
    invoice.status = settled_status(total=invoice.total, allocated=invoice.allocated_total)


def _new_lines(invoices: Sequence[Invoice]) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    for invoice in invoices:
        own = [
            row_new(
                InvoiceLine, invoice=invoice, line_no=i, kind=s.kind, sku=s.sku, description=s.description, quantity=s.quantity,
                unit_code=s.unit_code, unit_price=s.unit_price, discount=s.discount, tax_category=s.tax_category,
                tax_rate=s.tax_rate, net_amount=net, order_line_id=s.order_line_id,
            )
            for i, (s, net) in enumerate(invoice._pending_lines, start=1)  # type: ignore[attr-defined]
        ]  # fmt: skip
        _prime_lines(invoice, own)
        lines.extend(own)
    return lines


def _seal_and_audit(actor: Any, invoices: Sequence[Invoice], drafts: dict[int, tuple[dt.date | None, dt.date | None]]) -> None:
    """The audit events (create, and issue for the issued) and the seals of written documents, in a few statements."""
    events: list[AuditEvent] = []
    sealed: list[tuple[Invoice, dict[str, Any]]] = []
    for invoice in invoices:
        if invoice.status == Status.DRAFT:
            view = invoice_audit_view(invoice)
            events.append(audit_event_new(actor=actor, invoice=invoice, action="invoice.create", before=None, after=view))
            continue
        content = invoice_content(invoice)
        view = invoice_audit_view(invoice, content=content)
        # Before issuing it differed only in what ``invoice_issue`` sets (tests/test_bulk.py holds this to the services).
        issue_date, due_date = drafts[id(invoice)]
        as_draft = {**view, "status": Status.DRAFT.value, "number": None, "issue_date": issue_date, "due_date": due_date}
        events.append(audit_event_new(actor=actor, invoice=invoice, action="invoice.create", before=None, after=as_draft))
        events.append(audit_event_new(actor=actor, invoice=invoice, action="invoice.issue", before=as_draft, after=view))
        sealed.append((invoice, content))
    if sealed:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
        previous = head.last_hash
        seals = []
        for invoice, content in sealed:
            digest = content_hash(content)
            link = chain_hash(previous, digest, invoice.pk, invoice.version)
            seal = row_new(
                DocumentSeal, invoice_id=invoice.pk, version=invoice.version, content_hash=digest, prev_chain_hash=previous,
                chain_hash=link,
            )  # fmt: skip
            seals.append(seal)
            previous = link
        # Seals are created in chain order; ascending ids keep the chain walkable by id, as check-books walks it.
        rows_insert(DocumentSeal, seals)
        ChainHead.objects.filter(pk=1).update(last_hash=previous, length=F("length") + len(seals))
    rows_insert(AuditEvent, events)
    by_id = {str(invoice.pk): invoice for invoice in invoices}
    audit_written([(event, by_id[event.object_id]) for event in events])  # the business events of what was issued
    for invoice in invoices:
        # The lines were primed for the seal and the audit view; kept, they would tie every document to its lines in
        # a reference cycle (document → cached lines → line → document) that only a full collection of the process
        # frees. Released, a batch's objects are freed as soon as the caller lets go of them.
        invoice.__dict__.pop("_prefetched_objects_cache", None)


def _check_bulk_insert() -> None:
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("bulk import needs a database that returns ids from a bulk insert (PostgreSQL, SQLite ≥ 3.35)")


@transaction.atomic
def documents_bulk_create(*, actor: Any, documents: Sequence[NewDocument]) -> list[Invoice]:
    """Write new documents (and issue those marked so) as ``invoice_create`` + ``invoice_issue`` would, in bulk."""
    if not documents:
        return []
    _check_bulk_insert()
    drafts = _number(documents, _issuing())
    invoices = [d.invoice for d in documents]
    rows_insert(Invoice, invoices)
    rows_insert(InvoiceLine, _new_lines(invoices))
    _seal_and_audit(actor, invoices, drafts)
    return invoices


@transaction.atomic
def documents_stage(*, documents: Sequence[NewDocument], batch_id: int) -> None:
    """Write new documents as staged drafts of import batch ``batch_id`` (lines included): hidden from every
    reader (``Invoice.objects``), unnumbered, unsealed, unaudited until ``documents_publish``."""
    if not documents:
        return
    _check_bulk_insert()
    invoices = [d.invoice for d in documents]
    for invoice in invoices:
        invoice.import_batch_id = batch_id
    rows_insert(Invoice, invoices)
    rows_insert(InvoiceLine, _new_lines(invoices))


def documents_publish(*, actor: Any, documents: Sequence[NewDocument], batch_id: int) -> None:
    """Make the staged documents of batch ``batch_id`` real, inside the caller's (short) transaction: number the
    ones to issue, seal and audit them as ``documents_bulk_create`` does, and show them all with one statement."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("staged documents are published inside one transaction")
    issuing = _issuing()
    drafts = _number(documents, issuing)
    invoices = [d.invoice for d in documents]
    issued = [invoice for invoice in invoices if invoice.status != Status.DRAFT]
    for invoice in issued:
        invoice.updated_at = issuing.now  # as the issuing save() would
    fields = ["issue_date", "due_date", "number", "issued_at", "seller_snapshot", "status", "updated_at"]
    shown = Invoice.all_objects.filter(import_batch_id=batch_id).update(import_batch_id=None)
    if shown != len(invoices):
        raise RuntimeError(f"import batch {batch_id}: {shown} staged documents found, {len(invoices)} expected")
    Invoice.all_objects.bulk_update(issued, fields, batch_size=500)
    for invoice in invoices:
        invoice.import_batch_id = None
    _seal_and_audit(actor, invoices, drafts)


def documents_discard_staged(batch_id: int) -> int:
    """Delete what batch ``batch_id`` staged and never published (it failed or its process died); returns how many
    documents. Safe: no one could see them, so nothing refers to them but their own lines."""
    staged = Invoice.all_objects.filter(import_batch_id=batch_id)
    with transaction.atomic():
        InvoiceLine.objects.filter(invoice__in=staged.values("pk")).delete()
        deleted, _ = staged.delete()
    return deleted
