"""The two statuses of every invoice line and the invoice's summary of them (seed 004, tables 4 and 5).

Each line has a **customer** status (New, Paid, Disputed: what the buyer has done) and an **enterprise**
status (New, Payment Received, Disputed: whether the seller has the money). They may differ: the buyer
says "paid" (remittance advice) days before the money is matched here.

Who moves them:

- The **enterprise** status follows the money and the disputes, automatically: ``line_statuses_sync``
  runs after every change of what is allocated to an invoice (``invoice_settle``), every edit and issue,
  and every dispute opened or closed. Allocations are invoice-level; they settle lines in line order
  (``line_gross_amounts``), so a line reads Payment Received once the money allocated covers it and
  every line before it.
- The **customer** status follows the buyer: her remittance advice marks the lines it covers Paid
  (``line_statuses_customer_paid``), a dispute marks its line Disputed. Money received also marks the
  line Paid for the customer (she evidently paid); money taken back (refund, reversal) or a dispute
  closing voids the buyer's earlier claim, and the line reads what the money says.
- **Finance** (``payments.record``) may set either status of any line by hand, with a reason, audited
  (``line_status_set``). The next automatic event on that invoice (money, dispute) derives the statuses again.

The invoice's summary is ``header_status``: the seed's table 5, the one place it is written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet

from invoice_portal.accounts.selectors import user_has_perm
from invoice_portal.audit.services import audit_record
from invoice_portal.core.bulk import rows_update
from invoice_portal.core.errors import Conflict, PermissionDenied, ValidationFailed
from invoice_portal.core.locks import lock_one, lock_rows
from invoice_portal.core.money import ZERO, quantize
from invoice_portal.core.prepared import PreparedIn
from invoice_portal.invoices.models import (
    CustomerLineStatus,
    Dispute,
    DisputeStatus,
    EnterpriseLineStatus,
    Invoice,
    InvoiceLine,
    Kind,
    Status,
)

C = "customer"
E = "enterprise"


class HeaderStatus(models.TextChoices):
    """The invoice as a whole, summarizing its lines (seed 004, table 5)."""

    NEW = "new", "New"
    PARTIALLY_PAID = "partially_paid", "Partially Paid"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"


def header_status(lines: Sequence[tuple[str, str]]) -> HeaderStatus:
    """The seed's table 5 over the lines' ``(customer status, enterprise status)`` pairs, row by row:

    ==============  ==========================================  ==============================================
    Invoice status  Customer status                             Enterprise status
    ==============  ==========================================  ==============================================
    Disputed        Disputed on at least one line               Any
    Paid            Paid for all lines                          Any
    New             New (every line)                            New (every line)
    Partially Paid  Paid, but not for all lines                 Payment Received, but not for all lines
    ==============  ==========================================  ==============================================

    The rows are read in that order (a dispute outweighs payment). Partially Paid is "some line is Paid
    for the customer or Payment Received for the enterprise, and not every line is Paid for the customer";
    so every combination the table leaves out (every line Payment Received but the customer's side not
    all Paid, which only a hand-set status can make) reads Partially Paid: the buyer's word is not all in.
    A line the enterprise reports Disputed counts as disputed. An invoice without lines is New.
    """
    if any(c == "disputed" or e == "disputed" for c, e in lines):
        return HeaderStatus.DISPUTED
    if lines and all(c == "paid" for c, _ in lines):
        return HeaderStatus.PAID
    if all(c == "new" and e == "new" for c, e in lines):
        return HeaderStatus.NEW
    return HeaderStatus.PARTIALLY_PAID


# --- How the money settles lines ------------------------------------------------------------------


def line_gross_amounts(
    lines: Sequence[tuple[Decimal, Decimal]],
    *,
    currency: str,
    total: Decimal,
    allowance_total: Decimal,
    line_net_total: Decimal,
    discount_tax_rate: Decimal | None,
) -> list[Decimal]:
    """Each line's share of the total, VAT and document discount included, from ``(net, tax rate)`` pairs in line
    order; the last line takes what rounding leaves, so the shares add up to the total exactly."""
    grosses: list[Decimal] = []
    running = ZERO
    for i, (net, rate) in enumerate(lines):
        if i == len(lines) - 1:
            gross = quantize(total - running, currency)
        else:
            gross = quantize(net * (1 + rate / 100), currency)
            if allowance_total and line_net_total:
                gross -= quantize(allowance_total * net / line_net_total * (1 + (discount_tax_rate or ZERO) / 100), currency)
        running += gross
        grosses.append(gross)
    return grosses


def lines_covered(grosses: Sequence[Decimal], amount: Decimal, *, whole: bool = False) -> list[bool]:
    """Which lines ``amount`` pays, in line order: a line is covered once the amount reaches it and every line before it.
    ``whole``: the document is settled (every line covered, whatever rounding says)."""
    covered: list[bool] = []
    remaining = amount
    for gross in grosses:
        covered.append(whole or remaining >= gross)
        remaining -= min(remaining, gross)
    return covered


def invoice_line_grosses(invoice: Any, lines: Sequence[Any]) -> list[Decimal]:
    """``line_gross_amounts`` of an invoice's lines (rows with ``net_amount`` and ``tax_rate``, in line order)."""
    return line_gross_amounts(
        [(ln.net_amount, ln.tax_rate) for ln in lines], currency=invoice.currency, total=invoice.total,
        allowance_total=invoice.allowance_total, line_net_total=invoice.line_net_total, discount_tax_rate=invoice.discount_tax_rate,
    )  # fmt: skip


def derived_statuses(*, covered: bool, disputed: bool, customer_now: str, claims_void: bool = False) -> tuple[str, str]:
    """One line's ``(customer, enterprise)`` statuses after an automatic event (see the module docstring)."""
    if disputed:
        return "disputed", "disputed"
    if covered:
        return "paid", "payment_received"
    keeps_claim = customer_now == "paid" and not claims_void
    return ("paid" if keeps_claim else "new"), "new"


# --- The transitions -------------------------------------------------------------------------------


def _sorted_lines(invoice: Any, lines: Sequence[Any] | None) -> list[Any]:
    return sorted(invoice.lines.all() if lines is None else lines, key=lambda ln: ln.line_no)


def _open_dispute_lines(invoice: Any) -> set[int]:
    return set(Dispute.objects.filter(invoice=invoice, status=DisputeStatus.OPEN).values_list("line_id", flat=True))


def line_statuses_sync(
    invoice: Any, *, lines: Sequence[Any] | None = None, disputed: Collection[int] | None = None, claims_void: bool = False
) -> None:
    """Derive every line's statuses again from what is allocated to ``invoice`` and its open disputes, and store the changes.

    Called inside the transition that changed the money or a dispute (the invoice row is locked there).
    ``claims_void``: money was taken back or a dispute closed, so a buyer's earlier "paid" no longer holds.
    Credit notes carry no line statuses (their lines stay New); drafts and canceled documents keep theirs.
    The lines of a zero-total document ("Nothing to pay") are settled by no money: they stay New on both sides
    (a dispute still marks its line Disputed, Finance may still set one by hand).
    """
    if not _synced(invoice):
        return
    rows = _sorted_lines(invoice, lines)
    if not rows:
        return
    disputed = _open_dispute_lines(invoice) if disputed is None else disputed
    changed = _derive(invoice, rows, disputed, claims_void=claims_void)
    if changed:
        InvoiceLine.objects.bulk_update(changed, ["customer_status", "enterprise_status"])


def _lines_with_disputes(invoice_ids: list[Any]) -> QuerySet[InvoiceLine]:
    open_dispute = Dispute.objects.filter(invoice_id=OuterRef("invoice_id"), line_id=OuterRef("pk"), status=DisputeStatus.OPEN)
    return InvoiceLine.objects.filter(invoice_id__in=invoice_ids).annotate(disputed=Exists(open_dispute))


_LINES_WITH_DISPUTES: PreparedIn[Any] = PreparedIn(_lines_with_disputes)  # read by every payment: its statement is built once


def line_statuses_sync_many(changes: Sequence[tuple[Any, bool]]) -> None:
    """``line_statuses_sync`` for several locked invoices of one transition (``(invoice, claims_void)`` pairs, each
    invoice once): their lines and open disputes read in one query each, the changed lines stored in one update."""
    synced = [(invoice, claims_void) for invoice, claims_void in changes if _synced(invoice)]
    if not synced:
        return
    unread = [invoice.pk for invoice, _ in synced if "lines" not in getattr(invoice, "_prefetched_objects_cache", {})]
    read: dict[int, list[Any]] = {pk: [] for pk in unread}
    disputed: dict[int, set[int]] = {invoice.pk: set() for invoice, _ in synced}
    # The lines not loaded yet come with whether an open dispute names them (one query, not two).
    for row in _LINES_WITH_DISPUTES.all(unread) if unread else ():
        read[row.invoice_id].append(row)
        if row.disputed:
            disputed[row.invoice_id].add(row.pk)
    loaded = [pk for pk in disputed if pk not in read]
    pairs = Dispute.objects.filter(invoice_id__in=loaded, status=DisputeStatus.OPEN).values_list("invoice_id", "line_id") if loaded else ()
    for invoice_id, line_id in pairs:
        disputed[invoice_id].add(line_id)
    changed: list[Any] = []
    for invoice, claims_void in synced:
        rows = _sorted_lines(invoice, read.get(invoice.pk))
        if rows:
            changed.extend(_derive(invoice, rows, disputed[invoice.pk], claims_void=claims_void))
    if changed:
        rows_update(InvoiceLine, changed, ["customer_status", "enterprise_status"])


def _synced(invoice: Any) -> bool:
    return not (invoice.kind == Kind.CREDIT_NOTE or invoice.status in (Status.DRAFT, Status.CANCELED))


def _derive(invoice: Any, rows: list[Any], disputed: Collection[int], *, claims_void: bool) -> list[Any]:
    """Set each line's derived statuses on ``rows`` (in line order); returns the lines that changed."""
    if invoice.nothing_to_pay:  # settled with no money (docs/domain.md "A zero-total document"): no line is paid
        covered = [False] * len(rows)
    else:
        covered = lines_covered(invoice_line_grosses(invoice, rows), invoice.allocated_total, whole=invoice.status == Status.PAID)
    changed = []
    for row, is_covered in zip(rows, covered, strict=True):
        customer, enterprise = derived_statuses(
            covered=is_covered, disputed=row.pk in disputed, customer_now=row.customer_status, claims_void=claims_void
        )
        if (customer, enterprise) != (row.customer_status, row.enterprise_status):
            row.customer_status, row.enterprise_status = customer, enterprise
            changed.append(row)
    return changed


def line_statuses_customer_paid(*, claims: Sequence[tuple[int, Decimal]]) -> None:
    """The buyer says she paid these ``(invoice id, amount)`` (remittance advice): on each invoice the lines her amount
    covers, on top of what is allocated already, read Paid for the customer. Their enterprise status waits for the money.
    The caller has found the invoices through the buyer's scope; they are locked here, in the one order."""
    locked = lock_rows(Invoice, [pk for pk, _ in claims])
    for pk, amount in claims:
        invoice = locked[pk]
        if invoice.kind == Kind.CREDIT_NOTE or invoice.nothing_to_pay:
            continue
        rows = _sorted_lines(invoice, None)
        covered = lines_covered(invoice_line_grosses(invoice, rows), invoice.allocated_total + amount)
        changed = [row for row, is_covered in zip(rows, covered, strict=True) if is_covered and row.customer_status == "new"]
        for row in changed:
            row.customer_status = "paid"
        InvoiceLine.objects.bulk_update(changed, ["customer_status"])


def line_statuses_claims_withdrawn(*, invoice_ids: Sequence[int]) -> None:
    """What the buyer said was paid was not received (remittance advice rejected): her "paid" no longer holds."""
    for invoice in lock_rows(Invoice, invoice_ids).values():
        line_statuses_sync(invoice, claims_void=True)


@transaction.atomic
def line_status_set(*, actor: Any, line: Any, side: str, status: str, reason: str) -> Any:
    """Finance sets one status of one line by hand ("verify or modify its enterprise status or customer status").

    Only seller staff with ``payments.record`` (the Finance role); any issued document that is not canceled or a
    credit note; a reason is required and kept in the audit trail with the old and new status.
    """
    if actor is None or getattr(actor, "company_id", None) is not None or not user_has_perm(actor, "payments.record"):
        raise PermissionDenied("Only Finance may change a line's status.")
    choices = {C: CustomerLineStatus, E: EnterpriseLineStatus}.get(side)
    if choices is None:
        raise ValidationFailed("side: 'customer' or 'enterprise'.", field="side")
    if status not in choices.values:
        raise ValidationFailed(f"status: one of {', '.join(str(label) for label in choices.labels)}.", field="status")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: say why the status changes (it is kept in the audit trail).", field="reason")
    if len(reason) > 500:
        raise ValidationFailed("reason: at most 500 characters.", field="reason")
    invoice = lock_one(Invoice, line.invoice_id)
    if invoice.kind == Kind.CREDIT_NOTE or invoice.status in (Status.DRAFT, Status.CANCELED):
        raise Conflict(f"The lines of {invoice} carry no status to change.")
    row = InvoiceLine.objects.get(pk=line.pk)
    field = f"{side}_status"
    old = getattr(row, field)
    if old == status:
        return row
    setattr(row, field, status)
    row.save(update_fields=[field])
    audit_record(
        actor=actor, obj=invoice, action=f"invoice.line_{side}_status",
        before={"line": row.line_no, field: choices(old).label},
        after={"line": row.line_no, field: choices(status).label, "reason": reason},
    )  # fmt: skip
    return row
