"""Invoice documents: create, edit, issue, cancel, delete — the status table's rules live here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from invoice_portal.audit.services import audit_record, audit_record_many, seal_append
from invoice_portal.companies.models import Company
from invoice_portal.core.bulk import rows_insert, rows_update
from invoice_portal.core.errors import (
    Conflict,
    CreditExceedsInvoice,
    InvalidTransition,
    InvoiceNotDeletable,
    InvoiceNotEditable,
    TotalBelowAllocated,
    ValidationFailed,
)
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.money import TAX_RATE_PLACES, ZERO, as_str, check_amount_limit, check_currency, minor_digits, quantize, to_decimal
from invoice_portal.core.numbering import format_number, next_value, parse_number_format
from invoice_portal.core.prepared import Prepared
from invoice_portal.core.settings_store import portal_settings, settings_read_once
from invoice_portal.invoices.line_statuses import line_statuses_sync, line_statuses_sync_many
from invoice_portal.invoices.lines import LineSpec, parse_lines, resolve_discount_tax
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, Source, Status
from invoice_portal.invoices.per_order import order_invoice_check
from invoice_portal.invoices.seller import seller_snapshot
from invoice_portal.invoices.totals import compute_totals
from invoice_portal.invoices.wording import status_words
from invoice_portal.notifications.services import invoice_issued_email
from invoice_portal.orders.models import Order

EDITABLE_STATUSES = (Status.DRAFT, Status.OPEN, Status.PARTIALLY_PAID)
_HEADER_FIELDS = (
    "issue_date", "due_date", "service_start", "service_end", "po_number", "notes", "payment_instructions",
    "discount", "discount_tax_category", "discount_tax_rate",
)  # fmt: skip


def settled_status(*, total: Decimal, allocated: Decimal) -> Status:
    """The status of an issued, live document from what is allocated to it (the one rule)."""
    if allocated >= total:
        return Status.PAID
    if allocated == ZERO:
        return Status.OPEN
    return Status.PARTIALLY_PAID


def invoice_content(invoice: Invoice) -> dict[str, Any]:
    """What an issued document says: the content its seal's hash covers (not status or allocations)."""
    lines = sorted(invoice.lines.all(), key=lambda ln: ln.line_no)
    return {
        "id": invoice.pk, "kind": invoice.kind, "direction": invoice.direction, "number": invoice.number,
        "company": invoice.company_id, "currency": invoice.currency, "issue_date": invoice.issue_date,
        "due_date": invoice.due_date, "service_start": invoice.service_start, "service_end": invoice.service_end,
        "po_number": invoice.po_number, "related_invoice": invoice.related_invoice_id, "order": invoice.order_id,
        "discount": _dec(invoice.discount), "discount_tax_category": invoice.discount_tax_category,
        "discount_tax_rate": _dec(invoice.discount_tax_rate), "total": _dec(invoice.total),
        "tax_total": _dec(invoice.tax_total), "version": invoice.version,
        "lines": [
            {
                "no": ln.line_no, "kind": ln.kind, "sku": ln.sku, "description": ln.description,
                "quantity": _dec(ln.quantity), "unit_price": _dec(ln.unit_price), "discount": _dec(ln.discount),
                "tax_category": ln.tax_category, "tax_rate": _dec(ln.tax_rate), "net": _dec(ln.net_amount),
            }
            for ln in lines
        ],
    }  # fmt: skip


def credited_total(invoice: Invoice) -> Decimal:
    """What the live credit notes referring to ``invoice`` credit, applied or not."""
    total = invoice.memos.filter(kind=Kind.CREDIT_NOTE).exclude(status=Status.CANCELED).aggregate(s=Sum("total"))["s"]
    return quantize(total or ZERO, invoice.currency)


def check_credited_within_total(invoice: Invoice) -> None:
    """An invoice is credited at most its total: checked whenever a credit note for it or the invoice itself changes."""
    credited = credited_total(invoice)
    if credited > invoice.total:
        raise CreditExceedsInvoice(
            f"{invoice} totals {as_str(invoice.total, invoice.currency)} {invoice.currency}; it would be credited "
            f"{as_str(credited, invoice.currency)} {invoice.currency}, and an invoice is credited at most its total."
        )


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def invoice_audit_view(invoice: Invoice, *, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the audit trail shows of ``invoice``: its content (``content``, when the caller has it already from
    ``invoice_content`` for the seal) with its status and money state."""
    view = invoice_content(invoice) if content is None else dict(content)
    view.update(status=invoice.status, allocated_total=_dec(invoice.allocated_total), balance=_dec(invoice.balance))
    return view


def _apply_totals(invoice: Invoice, specs: list[LineSpec]) -> None:
    totals = compute_totals(
        (s.as_input() for s in specs),
        currency=invoice.currency,
        discount=invoice.discount,
        discount_tax_category=invoice.discount_tax_category,
        discount_tax_rate=invoice.discount_tax_rate,
    )
    if totals.tax_exclusive_total < ZERO:
        raise ValidationFailed("discount: larger than the sum of the lines.", field="discount")
    # Inputs are bounded one by one; their products and sums must still fit the amount columns.
    for i, net in enumerate(totals.line_nets):
        check_amount_limit(net, invoice.currency, field=f"lines[{i}]")
    check_amount_limit(max(totals.line_net_total, totals.total), invoice.currency, field="lines")
    for tax in totals.breakdown:
        if tax.base < ZERO:
            raise ValidationFailed(f"discount: larger than the lines taxed {tax.category} {tax.rate} %.", field="discount")
    invoice.line_net_total = totals.line_net_total
    invoice.allowance_total = totals.allowance_total
    invoice.tax_exclusive_total = totals.tax_exclusive_total
    invoice.tax_total = totals.tax_total
    invoice.total = totals.total
    invoice.balance = invoice.total - invoice.allocated_total
    invoice._pending_lines = [(spec, net) for spec, net in zip(specs, totals.line_nets, strict=True)]  # type: ignore[attr-defined]


_LINE_FIELDS = (
    "kind", "sku", "description", "quantity", "unit_code", "unit_price", "discount", "tax_category", "tax_rate",
    "net_amount", "order_line",
)  # fmt: skip


def _write_lines(invoice: Invoice, *, new: bool = False) -> None:
    """Store the pending lines as revisions of the lines with the same number.

    Lines are revised in place rather than replaced, so what refers to a line (a dispute)
    keeps pointing at it; a line with a dispute cannot be removed.
    """
    pending: list[tuple[LineSpec, Decimal]] = invoice._pending_lines  # type: ignore[attr-defined]
    existing = {} if new else {ln.line_no: ln for ln in invoice.lines.all()}
    revised, added = [], []
    for i, (s, net) in enumerate(pending, start=1):
        row = existing.pop(i, None)
        if row is None:
            row = InvoiceLine(invoice=invoice, line_no=i)
            added.append(row)
        else:
            revised.append(row)
        row.kind, row.sku, row.description, row.quantity, row.unit_code = s.kind, s.sku, s.description, s.quantity, s.unit_code
        row.unit_price, row.discount, row.tax_category, row.tax_rate = s.unit_price, s.discount, s.tax_category, s.tax_rate
        row.net_amount, row.order_line_id = net, s.order_line_id
    removed = sorted(existing.values(), key=lambda ln: ln.line_no)
    disputed = [ln.line_no for ln in removed if ln.disputes.exists()]
    if disputed:
        raise InvoiceNotEditable(f"Line {disputed[0]} of {invoice} has been disputed; it can be changed but not removed.", field="lines")
    if removed:  # (the deletion collector costs as much as an insert even with nothing to delete)
        InvoiceLine.objects.filter(pk__in=[ln.pk for ln in removed]).delete()
    InvoiceLine.objects.bulk_update(revised, _LINE_FIELDS)
    rows_insert(InvoiceLine, added)
    if all(row.pk is not None for row in added):
        # The rows just written are what a re-read would return (the same values, if not the same trailing zeros).
        _set_lines(invoice, sorted([*revised, *added], key=lambda ln: ln.line_no))
    else:  # pragma: no cover - a backend that does not return the new ids
        _load_lines(invoice, refresh=True)


def _set_lines(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """Keep ``lines`` as the document's loaded lines, as ``prefetch_related("lines")`` would."""
    cache = invoice.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.pop("lines", None)
    queryset = invoice.lines.get_queryset()
    queryset._result_cache = lines
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    cache["lines"] = queryset


def _load_lines(invoice: Invoice, *, refresh: bool = False) -> None:
    """Read the document's lines once; the audit views, the seal and the checks of one transition reuse them.

    One plain read kept as ``prefetch_related("lines")`` would keep it (each line knowing its invoice), without
    the prefetch machinery, which costs more than the read itself for one document."""
    cache = getattr(invoice, "_prefetched_objects_cache", {})
    if refresh or "lines" not in cache:
        lines = _LINES.all(invoice=invoice.pk)
        for line in lines:
            _LINE_INVOICE.set_cached_value(line, invoice)
        _set_lines(invoice, lines)


_LINE_INVOICE = InvoiceLine._meta.get_field("invoice")
_LINES = Prepared(lambda invoice: InvoiceLine.objects.filter(invoice_id=invoice).order_by("line_no"), invoice=int)


def _set_header(invoice: Invoice, fields: dict[str, Any], specs: list[LineSpec]) -> None:
    unknown = set(fields) - set(_HEADER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown invoice fields: {', '.join(sorted(unknown))}.")
    for name in ("issue_date", "due_date", "service_start", "service_end"):
        if name in fields:
            value = fields[name]
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value) if value else None
                except ValueError:
                    raise ValidationFailed(f"{name}: '{value}' is not a date (YYYY-MM-DD).", field=name) from None
            if value is not None and not isinstance(value, dt.date):
                raise ValidationFailed(f"{name}: not a date.", field=name)
            setattr(invoice, name, value)
    for name in ("po_number", "notes", "payment_instructions"):
        if name in fields:
            setattr(invoice, name, str(fields[name] or ""))
    if "discount" in fields:
        invoice.discount = to_decimal(fields["discount"] or "0", field="discount", places=minor_digits(invoice.currency))
    category = fields.get("discount_tax_category", invoice.discount_tax_category) or ""
    raw_rate = fields.get("discount_tax_rate", invoice.discount_tax_rate)
    rate = None if raw_rate in (None, "") else to_decimal(raw_rate, field="discount_tax_rate", places=TAX_RATE_PLACES)
    invoice.discount_tax_category, invoice.discount_tax_rate = resolve_discount_tax(specs, invoice.discount, category, rate)
    if invoice.due_date and invoice.issue_date and invoice.due_date < invoice.issue_date:
        raise ValidationFailed("due_date: before the issue date.", field="due_date")
    if invoice.service_start and invoice.service_end and invoice.service_end < invoice.service_start:
        raise ValidationFailed("service_end: before the start of the service period.", field="service_end")


def _current_specs(invoice: Invoice) -> list[LineSpec]:
    return [
        LineSpec(
            kind=ln.kind, sku=ln.sku, description=ln.description, quantity=ln.quantity, unit_code=ln.unit_code,
            unit_price=ln.unit_price, discount=ln.discount, tax_category=ln.tax_category, tax_rate=ln.tax_rate,
            order_line_id=ln.order_line_id,
        )
        for ln in sorted(invoice.lines.all(), key=lambda ln: ln.line_no)
    ]  # fmt: skip


@transaction.atomic
def invoice_create(
    *,
    actor: Any,
    company: Company,
    lines: list[dict[str, Any]],
    kind: str = Kind.INVOICE,
    direction: str = Direction.ISSUED,
    source: str = Source.MANUAL,
    currency: str | None = None,
    order: Order | None = None,
    related_invoice: Invoice | None = None,
    external_id: str | None = None,
    issue: bool = False,
    number: str | None = None,
    **header: Any,
) -> Invoice:
    """Create a draft document with its lines. Nothing is numbered until it is issued.

    With ``issue`` the draft is issued in the same transaction, by ``invoice_issue``'s rules
    (the caller checks the ``invoices.issue`` permission). ``number``, only with ``issue``: a
    document issued elsewhere (an e-invoice the ERP posts) keeps its own number instead of taking
    one from our sequence.
    """
    if number is not None and not issue:
        raise ValidationFailed("number: only a document issued at once keeps a number of its own.", field="number")
    if kind not in Kind.values:
        raise ValidationFailed(f"kind: must be one of {', '.join(Kind.values)}.", field="kind")
    if direction not in Direction.values:
        raise ValidationFailed(f"direction: must be one of {', '.join(Direction.values)}.", field="direction")
    if source not in Source.values:
        raise ValidationFailed(f"source: must be one of {', '.join(Source.values)}.", field="source")
    currency = check_currency(currency or company.currency)
    if order is not None and order.company_id != company.pk:
        raise ValidationFailed("order: belongs to another company.", field="order")
    if order is not None and order.currency != currency:
        raise ValidationFailed(f"currency: the order is in {order.currency}.", field="currency")
    if order is not None and kind == Kind.INVOICE and direction == Direction.ISSUED:
        lock_one(Order, order.pk)  # so that a concurrent creation for the order waits, then sees this one
        order_invoice_check(order=order, kind=kind)
    if related_invoice is not None:
        if related_invoice.company_id != company.pk:
            raise ValidationFailed("related_invoice: belongs to another company.", field="related_invoice")
        if related_invoice.currency != currency:
            raise ValidationFailed(f"currency: the related invoice is in {related_invoice.currency}.", field="currency")
    if external_id and Invoice.objects.filter(source=source, external_id=external_id).exists():
        raise ValidationFailed(f"external_id: '{external_id}' from {source} exists already.", field="external_id")
    specs = parse_lines(lines, currency)
    invoice = Invoice(
        kind=kind, direction=direction, source=source, company=company, currency=currency, order=order,
        related_invoice=related_invoice, external_id=external_id or None, created_by=_user(actor),
        po_number=order.po_number if order is not None else "",
    )  # fmt: skip
    _set_header(invoice, header, specs)
    _apply_totals(invoice, specs)
    rows_insert(Invoice, [invoice])
    _write_lines(invoice, new=True)
    audit_record(actor=actor, obj=invoice, action="invoice.create", after=invoice_audit_view(invoice))
    if issue:
        # This transaction inserted the row, so no one else can see or lock it yet, and its lines are
        # the ones just written: reading both again under a lock (as invoice_issue does) would change nothing.
        _issue_locked(actor=actor, invoice=invoice, issue_date=None, number=number)
    return invoice


@transaction.atomic
def invoice_update(*, actor: Any, invoice: Invoice, lines: list[dict[str, Any]] | None = None, **header: Any) -> Invoice:
    """Edit lines and header fields.

    Draft, open and partially paid documents may be edited; a partially paid one never
    below what is allocated to it, and an invoice never below what its credit notes credit
    (nor a credit note above what is left to credit). Edits after issue bump the version
    and re-seal it.
    """
    if invoice.kind == Kind.CREDIT_NOTE and invoice.related_invoice_id is not None:
        # The edit is checked against the invoice it credits: lock both, in the one order.
        lock_rows(Invoice, [invoice.pk, invoice.related_invoice_id])
    invoice = lock_one(Invoice, invoice.pk)
    _load_lines(invoice)
    if invoice.status not in EDITABLE_STATUSES:
        raise InvoiceNotEditable(f"{invoice} is {status_words(invoice)} and can no longer be edited.")
    before = invoice_audit_view(invoice)
    specs = parse_lines(lines, invoice.currency) if lines is not None else _current_specs(invoice)
    _set_header(invoice, header, specs)
    _apply_totals(invoice, specs)
    if invoice.total < invoice.allocated_total:
        raise TotalBelowAllocated(
            f"The new total {as_str(invoice.total, invoice.currency)} is below the "
            f"{as_str(invoice.allocated_total, invoice.currency)} {invoice.currency} already allocated to {invoice}."
        )
    if invoice.status != Status.DRAFT:
        if not specs:
            raise ValidationFailed("lines: an issued document keeps at least one line.", field="lines")
        invoice.version += 1
        invoice.status = settled_status(total=invoice.total, allocated=invoice.allocated_total)
    invoice.save()
    _write_lines(invoice)
    line_statuses_sync(invoice)
    credited = invoice.related_invoice if invoice.kind == Kind.CREDIT_NOTE else invoice
    if credited is not None:
        check_credited_within_total(credited)
    if invoice.status != Status.DRAFT:
        seal_append(invoice_id=invoice.pk, version=invoice.version, content=invoice_content(invoice))
    audit_record(actor=actor, obj=invoice, action="invoice.update", before=before, after=invoice_audit_view(invoice))
    return invoice


@transaction.atomic
def invoice_issue(*, actor: Any, invoice: Invoice, issue_date: dt.date | None = None) -> Invoice:
    """Draft → open: take the next gapless number of its kind, set dates, seal the content."""
    invoice = lock_one(Invoice, invoice.pk, related=("company",))  # its payment terms and billing address
    _load_lines(invoice)
    return _issue_locked(actor=actor, invoice=invoice, issue_date=issue_date)


def check_not_subject_alone(invoice: Invoice, lines: Iterable[Any] | None = None) -> None:
    """Supplies not subject to VAT (category O) are invoiced on their own: EN 16931 forbids any other VAT
    category beside O on one document (BR-O-11 to BR-O-14), and such a document carries no VAT ids (BR-O-02).
    Checked when issuing; ``lines`` (specs or rows with a ``tax_category``) default to the document's own."""
    categories = {ln.tax_category for ln in (invoice.lines.all() if lines is None else lines)}
    if invoice.discount:
        categories.add(invoice.discount_tax_category or "S")
    if "O" in categories and len(categories) > 1:
        others = ", ".join(sorted(categories - {"O"}))
        raise ValidationFailed(
            f"lines: lines not subject to VAT (category O) cannot share a document with lines of category {others} "
            "(EN 16931 BR-O-11 to BR-O-14); issue them on separate documents.",
            field="lines",
        )


def number_template(settings: PortalSettings, kind: str) -> str:
    """The settings' number format of a document kind ("INV-{year}-{seq:06d}")."""
    return {
        Kind.INVOICE: settings.invoice_number_format,
        Kind.CREDIT_NOTE: settings.credit_note_number_format,
        Kind.DEBIT_NOTE: settings.debit_note_number_format,
    }[Kind(kind)]


def number_key(kind: str, year: int) -> str:
    """The gapless counter (``core.numbering``) of a document kind and year."""
    return f"{kind}:{year}"


def due_date_on_issue(invoice: Invoice, issue_date: dt.date) -> dt.date:
    """The due date a document without one gets when it is issued on ``issue_date``: the customer's payment terms."""
    return invoice.due_date or issue_date + dt.timedelta(days=invoice.company.payment_terms_days)


def _issue_locked(*, actor: Any, invoice: Invoice, issue_date: dt.date | None, number: str | None = None) -> Invoice:
    """The rules of ``invoice_issue``, on a document this transaction holds locked, with its lines loaded.

    The two rows every issuer queues on (the number counter of the kind and year, the seal-chain head)
    are taken last (see "Issuing: the serialized stretch" in docs/domain.md): every read and check
    comes first, then the number, the writes that carry it, and the seal as the final statement.
    """
    if invoice.status != Status.DRAFT:
        raise InvalidTransition(f"{invoice} is {status_words(invoice)}; only drafts can be issued.")
    if invoice.direction != Direction.ISSUED:
        raise InvalidTransition("Received invoices carry their supplier's number and are not issued here.")
    if not invoice.lines.all():
        raise ValidationFailed("lines: a document needs at least one line to be issued.", field="lines")
    check_not_subject_alone(invoice)
    with settings_read_once():
        # Reads first, nothing locked but the document: the settings row once (number format, the
        # email's sender and template, the seller party), the customer, whether and to whom the email goes.
        before = invoice_audit_view(invoice)
        invoice.issue_date = issue_date or invoice.issue_date or timezone.localdate()
        if invoice.due_date is None:
            invoice.due_date = due_date_on_issue(invoice, invoice.issue_date)
        elif invoice.due_date < invoice.issue_date:
            raise ValidationFailed("due_date: before the issue date.", field="due_date")
        settings = portal_settings()
        template = number_template(settings, invoice.kind)
        parse_number_format(template)  # a broken format is refused before the counter is taken
        if number is not None:
            number = number.strip()
            if not number or len(number) > 50:
                raise ValidationFailed("number: between 1 and 50 characters.", field="number")
            if Invoice.objects.filter(direction=Direction.ISSUED, number=number).exists():
                raise Conflict(f"An issued document numbered {number} exists already.", code="number_taken")
        seller = seller_snapshot(settings)
        email = invoice_issued_email(invoice)
        year = invoice.issue_date.year
        # The serialized stretch starts here: the counter row stays locked until COMMIT (a document that
        # keeps its own number, an ERP's, takes no counter).
        invoice.number = (
            number if number is not None else format_number(template, year=year, seq=next_value(number_key(invoice.kind, year)))
        )
        invoice.issued_at = invoice.updated_at = timezone.now()
        invoice.seller_snapshot = seller
        invoice.status = settled_status(total=invoice.total, allocated=invoice.allocated_total)
        content = invoice_content(invoice)
        rows_update(Invoice, [invoice], ["issue_date", "due_date", "number", "issued_at", "seller_snapshot", "status", "updated_at"])
        line_statuses_sync(invoice, disputed=())
        audit_record(actor=actor, obj=invoice, action="invoice.issue", before=before, after=invoice_audit_view(invoice, content=content))
        if email is not None:
            email.write()
        seal_append(invoice_id=invoice.pk, version=invoice.version, content=content)
    return invoice


@transaction.atomic
def invoice_cancel(*, actor: Any, invoice: Invoice, reason: str = "") -> Invoice:
    """Open → canceled: voided and excluded from balances; the number stays used."""
    invoice = lock_one(Invoice, invoice.pk)
    _load_lines(invoice)
    if invoice.status == Status.DRAFT:
        raise InvalidTransition(f"{invoice} is a draft: delete it instead of canceling.")
    if invoice.status != Status.OPEN:
        raise InvoiceNotDeletable(f"{invoice} is {status_words(invoice)}; only an open document with nothing allocated can be canceled.")
    if invoice.kind == Kind.CREDIT_NOTE and invoice.allocated_total:
        raise InvoiceNotDeletable(f"{invoice} has been applied; unapply it first.")
    before = invoice_audit_view(invoice)
    invoice.status = Status.CANCELED
    invoice.canceled_at = timezone.now()
    invoice.save(update_fields=["status", "canceled_at", "updated_at"])
    audit_record(actor=actor, obj=invoice, action="invoice.cancel", before=before, after={**invoice_audit_view(invoice), "reason": reason})
    return invoice


@transaction.atomic
def invoice_delete(*, actor: Any, invoice: Invoice) -> Invoice | None:
    """Delete as the status table says: a draft is removed, an open document is canceled, nothing else."""
    invoice = lock_one(Invoice, invoice.pk)
    if invoice.status == Status.DRAFT:
        before = invoice_audit_view(invoice)
        audit_record(actor=actor, obj=invoice, action="invoice.delete", before=before)
        invoice.delete()
        return None
    if invoice.status == Status.OPEN:
        return invoice_cancel(actor=actor, invoice=invoice, reason="deleted")
    raise InvoiceNotDeletable(f"{invoice} is {status_words(invoice)} and cannot be deleted.")


def invoice_settle(invoice: Invoice, *, allocated: Decimal) -> None:
    """Store a new allocated amount on a locked, issued document and derive balance and status.

    Callers hold the row lock (``core.locks``) and have checked the amount fits.
    """
    invoices_settle([(invoice, allocated)])


def invoices_settle(changes: list[tuple[Invoice, Decimal]], *, audit: Sequence[dict[str, Any]] = ()) -> None:
    """``invoice_settle`` for several locked documents of one transition: one update for all of them, and
    the "invoice paid" audit events of those it settles in one insert. ``audit``: the transition's own audit
    entries (``audit_record_many``'s), written first in that same insert."""
    paid: list[dict[str, Any]] = list(audit)
    now = timezone.now()
    voided: list[tuple[Invoice, bool]] = []
    for invoice, allocated in changes:
        if invoice.status in (Status.DRAFT, Status.CANCELED):
            raise InvalidTransition(f"{invoice} is {status_words(invoice)}; nothing can be allocated to it.")
        if allocated < ZERO or allocated > invoice.total:
            raise ValueError(f"allocated {allocated} outside 0..{invoice.total} for {invoice}")
        was, before = invoice.status, invoice.allocated_total
        voided.append((invoice, allocated < before))
        invoice.allocated_total = allocated
        invoice.balance = invoice.total - allocated
        invoice.status = settled_status(total=invoice.total, allocated=allocated)
        invoice.updated_at = now
        if invoice.status == Status.PAID and was != Status.PAID:
            # Becoming paid is a transition of its own (the "invoice paid" business event); the actor is the caller's.
            paid.append(
                {"actor": None, "obj": invoice, "action": "invoice.paid", "before": {"status": was}, "after": {"status": Status.PAID}}
            )
    rows_update(Invoice, [invoice for invoice, _ in changes], ["allocated_total", "balance", "status", "updated_at"])
    line_statuses_sync_many(voided)
    audit_record_many(paid)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None
