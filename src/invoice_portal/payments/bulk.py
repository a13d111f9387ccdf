"""Recording many new payments at once, with exactly what ``payment_record`` writes for each, in order.

``payment_record`` takes about twenty statements a payment (look-ups, the payment, its audit and
business events, its allocation rows, the lock of its invoices, their settlement and line statuses,
the "invoice paid" events). At import volumes that is what holds SQLite's one write lock. This path
runs the same rules — ``payment_prepare`` (the arguments), ``check_targets`` with ``check_within_balance``
(the invoices, read on the locked rows), ``invoices_settle`` (balances, statuses, line statuses, "invoice
paid"), ``payment_receipt_write`` — over a list of payments, in a few statements for all of them:

1. one look-up of the external ids taken, one lock of every invoice the payments allocate to (ascending,
   as each payment locks its own), and every payment checked in order against the invoices as the
   payments before it leave them; a refusal writes nothing (``PaymentsRefused`` names each refused payment
   and the error ``payment_record`` raises for it);
2. the payments, their ``payment.record`` audit events (with their business events and webhook deliveries)
   and their allocation rows, one insert each; the receipts, when the settings send them;
3. the invoices settled by ``invoices_settle`` in rounds: consecutive payments share a round while no two of
   them pay the same invoice, so each invoice moves (and reads "paid") exactly as one payment after the
   other would move it.

``imports/tests/test_payment_bulk.py`` holds it to ``payment_record``: the same rows in every table.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from invoice_portal.audit.services import audit_record_many
from invoice_portal.core.bulk import rows_insert
from invoice_portal.core.errors import DomainError, ValidationFailed
from invoice_portal.core.locks import lock_rows
from invoice_portal.core.settings_store import settings_read_once
from invoice_portal.invoices.models import Invoice
from invoice_portal.invoices.services.documents import invoices_settle
from invoice_portal.notifications.services import ReceiptEmail, payment_receipt_write
from invoice_portal.payments.models import Allocation, Payment
from invoice_portal.payments.services import NewPayment, check_targets, payer_companies, payment_record_audit


class PaymentsRefused(Exception):
    """Some payments of a ``payments_record_many`` call were refused; nothing was written.

    ``refusals``: the position of each refused payment in the list given, and what ``payment_record`` would raise.
    """

    def __init__(self, refusals: dict[int, DomainError]) -> None:
        super().__init__(f"{len(refusals)} payment(s) refused")
        self.refusals = refusals


def _check(payments: Sequence[NewPayment]) -> tuple[dict[int, Invoice], list[list[tuple[Invoice, Any]]]]:
    """Lock the invoices and check every payment in order; returns the locked invoices and, per payment, the
    invoices as that payment found them (for its receipt) with the amount it takes. Raises ``PaymentsRefused``."""
    refusals: dict[int, DomainError] = {}
    wanted_ids = [new.payment.external_id for new in payments if new.payment.external_id]
    taken = set(Payment.objects.filter(external_id__in=wanted_ids).values_list("external_id", flat=True)) if wanted_ids else set()
    locked = lock_rows(Invoice, (r.invoice_id for new in payments for r in new.requests), no_key=True)
    # The invoices as the payments checked so far leave them (copies: the locked rows are settled later, in rounds).
    current = {pk: copy.copy(invoice) for pk, invoice in locked.items()}
    trees: dict[tuple[int, frozenset[int]], set[int]] = {}
    seen_before: list[list[tuple[Invoice, Any]]] = []
    for i, new in enumerate(payments):
        payment, requests = new.payment, new.requests
        seen_before.append([])
        try:
            if payment.external_id and payment.external_id in taken:
                raise ValidationFailed(f"external_id: a payment '{payment.external_id}' exists already.", field="external_id")
            companies = frozenset(current[r.invoice_id].company_id for r in requests if r.invoice_id in current)
            key = (payment.company_id, companies)
            if key not in trees:
                trees[key] = payer_companies(payment.company, [current[r.invoice_id] for r in requests if r.invoice_id in current])
            check_targets(requests, current, company=payment.company, currency=payment.currency, allowed_companies=trees[key])
        except DomainError as exc:
            refusals[i] = exc
            continue
        if payment.external_id:
            taken.add(payment.external_id)
        for r in requests:
            seen_before[i].append((copy.copy(current[r.invoice_id]), r.amount))
            current[r.invoice_id].allocated_total += r.amount
            current[r.invoice_id].balance -= r.amount
    if refusals:
        raise PaymentsRefused(refusals)
    return locked, seen_before


def _rounds(payments: Sequence[NewPayment]) -> list[list[int]]:
    """Consecutive payments, split so that no invoice is paid twice in one round."""
    rounds: list[list[int]] = []
    paid: set[int] = set()
    for i, new in enumerate(payments):
        ids = {r.invoice_id for r in new.requests}
        if not rounds or ids & paid:
            rounds.append([])
            paid = set()
        rounds[-1].append(i)
        paid |= ids
    return rounds


@transaction.atomic
def payments_record_many(*, actor: Any, payments: Sequence[NewPayment]) -> list[Payment]:
    """Write new payments (from ``payment_prepare``), allocated and settled, as ``payment_record`` would one after the
    other; all of them or, with ``PaymentsRefused``, none."""
    if not payments:
        return []
    locked, seen_before = _check(payments)
    written = [new.payment for new in payments]
    receipts: list[ReceiptEmail | None] = []
    with settings_read_once():
        rows_insert(Payment, written)
        audit_record_many(
            [
                {"actor": actor, "obj": new.payment, "action": "payment.record", "after": payment_record_audit(new.payment, new.requests)}
                for new in payments
            ]
        )
        allocations = [Allocation(payment=new.payment, invoice_id=r.invoice_id, amount=r.amount) for new in payments for r in new.requests]
        rows_insert(Allocation, allocations)
        for new, paid in zip(payments, seen_before, strict=True):
            receipts.append(payment_receipt_write(new.payment, paid=paid))
    for indexes in _rounds(payments):
        changes = [(locked[r.invoice_id], locked[r.invoice_id].allocated_total + r.amount) for i in indexes for r in payments[i].requests]
        if changes:
            invoices_settle(changes)
        for i in indexes:
            receipt = receipts[i]
            if receipt is not None:
                receipt.confirm(locked)
    return written
