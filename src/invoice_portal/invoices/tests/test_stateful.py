"""Random sequences of everything that moves money; after every step, every rule of check-books holds.

A domain error is an allowed outcome of any step (the sequence asked for something the rules
refuse), but a refused step must have written nothing, and anything else raised is a bug.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from invoice_portal.audit.models import AuditEvent, DocumentSeal
from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.services import (
    credit_note_create,
    debit_note_create,
    dispute_open,
    dispute_resolve_by_credit,
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_issue,
    invoice_update,
)
from invoice_portal.payments.models import Allocation, Payment, Refund
from invoice_portal.payments.services import credit_note_apply, payment_allocate, payment_record, payment_refund, payment_reverse
from invoice_portal.testing import make_company

T = TypeVar("T")
CENT = Decimal("0.01")
LIVE = [Status.OPEN, Status.PARTIALLY_PAID]

TAX = st.sampled_from([("Z", "0"), ("S", "20"), ("S", "7.5"), ("E", "0")])
LINE = st.fixed_dictionaries(
    {
        "description": st.sampled_from(["Widget", "Gadget", "Shipping"]),
        "quantity": st.sampled_from(["1", "2", "3", "0.5", "1.25"]),
        "unit_price": st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2).map(str),
        "tax": TAX,
    }
).map(lambda d: {"description": d["description"], "quantity": d["quantity"], "unit_price": d["unit_price"],
                 "tax_category": d["tax"][0], "tax_rate": d["tax"][1]})  # fmt: skip
LINES = st.lists(LINE, min_size=1, max_size=3)
# How much of what is due to ask for: the boundaries matter most.
SHARE = st.sampled_from(["full", "full", "half", "half", "cent", "over", "any"])


def amount_of(share: str, due: Decimal, data: st.DataObject) -> str:
    if share == "full":
        value = due
    elif share == "half":
        value = (due / 2).quantize(CENT)
    elif share == "cent":
        value = CENT
    elif share == "over":
        value = due + CENT
    else:
        value = data.draw(st.decimals(min_value=CENT, max_value=max(due, CENT), places=2), label="amount")
    return str(value)


class BooksMachine(RuleBasedStateMachine):
    """One customer's books, driven only through the public services."""

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own savepoint, rolled back in teardown, so every example starts clean.
        self._example = transaction.atomic()
        self._example.__enter__()
        self.company = make_company(name="ACME", currency="USD")
        self.debits: list[int] = []  # invoices and debit notes, every status
        self.credits: list[int] = []  # credit notes
        self.payments: list[int] = []
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)
        OUTCOMES.update(self.outcomes)

    # --- helpers ---------------------------------------------------------------------------------------

    def _fingerprint(self) -> tuple[Any, ...]:
        """Row counts of every table a transition writes, and the sums it moves, in one query."""
        tables = [m._meta.db_table for m in (Invoice, InvoiceLine, Payment, Allocation, Refund, AuditEvent, DocumentSeal)]
        counts = ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables)
        sums = "(SELECT SUM(allocated_total) FROM invoices_invoice), (SELECT SUM(total) FROM invoices_invoice)"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {counts}, {sums}")
            row = cursor.fetchone()
        assert row is not None
        return tuple(row)

    def attempt(self, name: str, call: Callable[[], T]) -> T | None:
        before = self._fingerprint()
        refusal: DomainError | None = None
        try:
            result = call()
        except DomainError as error:
            refusal = error
        if refusal is None:
            self.outcomes[name, "ok"] += 1
            return result
        assert refusal.message, f"{name}: {type(refusal).__name__} without a message"
        assert self._fingerprint() == before, f"{name} was refused ({refusal}) but wrote rows"
        self.outcomes[name, "refused"] += 1
        return None

    @staticmethod
    def invoice(pk: int) -> Invoice:
        return Invoice.objects.get(pk=pk)

    def pick(self, data: st.DataObject, pool: list[int], label: str) -> int:
        return data.draw(st.sampled_from(pool), label=label)

    def pick_live(self, data: st.DataObject, pool: list[int], label: str) -> int:
        """Mostly an issued, unsettled document (so money moves), sometimes any (so the refusals are tried too)."""
        live = list(Invoice.objects.filter(pk__in=pool, status__in=LIVE).order_by("pk").values_list("pk", flat=True))
        prefer_live = data.draw(st.integers(0, 4), label="live?") > 0
        return self.pick(data, live if live and prefer_live else pool, label)

    def pick_debit(self, data: st.DataObject) -> int:
        return self.pick_live(data, self.debits, "invoice")

    # --- a starting point: a few issued invoices and a payment, so every rule can act from the first step ---

    @initialize(data=st.data(), documents=st.lists(LINES, min_size=1, max_size=3), share=SHARE)
    def start_with_invoices_and_a_payment(self, data: st.DataObject, documents: list[list[dict[str, Any]]], share: str) -> None:
        for lines in documents:
            invoice = invoice_issue(actor=None, invoice=invoice_create(actor=None, company=self.company, lines=lines))
            self.debits.append(invoice.pk)
        first = self.invoice(self.debits[0])
        amount = amount_of(share, first.balance, data)
        payment = self.attempt(
            "pay",
            lambda: payment_record(
                actor=None, company=self.company, amount=str(Decimal(amount) + 50), currency="USD", method="check",
                allocations=[(first, amount)],
            ),  # 50 more than allocated: credit on account for later allocations
        )  # fmt: skip
        if payment is not None:
            self.payments.append(payment.pk)

    # --- documents -------------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        lines=LINES,
        kind=st.sampled_from(["invoice", "invoice", "invoice", "debit_note", "debit_note_for_invoice"]),
        currency=st.sampled_from(["USD"] * 9 + ["EUR"]),
        discount=st.sampled_from(["0", "0", "1.00", "5.00"]),
        issue=st.sampled_from([True, True, False]),
    )
    def create(self, data: st.DataObject, lines: list[dict[str, Any]], kind: str, currency: str, discount: str, issue: bool) -> None:
        """A draft invoice or debit note (maybe issued at once), or an issued debit note referring to an invoice."""
        if kind == "debit_note_for_invoice" and self.debits:
            related = self.invoice(self.pick(data, self.debits, "invoice"))
            debit = self.attempt("debit_note", lambda: debit_note_create(actor=None, company=self.company, lines=lines, invoice=related))
            if debit is not None:
                self.debits.append(debit.pk)
            return
        tax = {"discount_tax_category": lines[0]["tax_category"], "discount_tax_rate": lines[0]["tax_rate"]} if discount != "0" else {}
        kind = Kind.DEBIT_NOTE if kind.startswith("debit_note") else Kind.INVOICE
        created = self.attempt(
            "create",
            lambda: invoice_create(actor=None, company=self.company, lines=lines, kind=kind, currency=currency, discount=discount, **tax),
        )
        if created is not None:
            self.debits.append(created.pk)
            if issue:
                self.attempt("issue", lambda: invoice_issue(actor=None, invoice=created))

    @precondition(lambda self: self.debits or self.credits)
    @rule(data=st.data())
    def issue(self, data: st.DataObject) -> None:
        pk = self.pick(data, self.debits + self.credits, "document")
        self.attempt("issue", lambda: invoice_issue(actor=None, invoice=self.invoice(pk)))

    @precondition(lambda self: self.debits or self.credits)
    @rule(data=st.data(), lines=LINES)
    def edit_lines(self, data: st.DataObject, lines: list[dict[str, Any]]) -> None:
        pk = self.pick_live(data, self.debits + self.credits, "document")
        self.attempt("edit_lines", lambda: invoice_update(actor=None, invoice=self.invoice(pk), lines=lines))

    @precondition(lambda self: self.debits or self.credits)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        pk = self.pick_live(data, self.debits + self.credits, "document")
        self.attempt("cancel", lambda: invoice_cancel(actor=None, invoice=self.invoice(pk)))

    @precondition(lambda self: self.debits or self.credits)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        pk = self.pick(data, self.debits + self.credits, "document")
        result = self.attempt("delete", lambda: invoice_delete(actor=None, invoice=self.invoice(pk)))
        if not Invoice.objects.filter(pk=pk).exists():
            assert result is None
            for pool in (self.debits, self.credits):
                if pk in pool:
                    pool.remove(pk)

    # --- money in ----------------------------------------------------------------------------------------

    @precondition(lambda self: self.debits)
    @rule(
        data=st.data(),
        count=st.integers(1, 3),
        extra=st.sampled_from(["0", "0", "25.00"]),
        other_currency=st.sampled_from([False] * 9 + [True]),
    )
    def pay(self, data: st.DataObject, count: int, extra: str, other_currency: bool) -> None:
        targets = list(dict.fromkeys(self.pick_debit(data) for _ in range(count)))
        allocations = []
        for pk in targets:
            inv = self.invoice(pk)
            allocations.append((inv, amount_of(data.draw(SHARE, label="share"), inv.balance, data)))
        currency = "EUR" if other_currency else self.invoice(targets[0]).currency
        total = sum((Decimal(a) for _, a in allocations), Decimal(extra))
        payment = self.attempt(
            "pay",
            lambda: payment_record(
                actor=None, company=self.company, amount=str(total), currency=currency, method="check", allocations=allocations
            ),
        )
        if payment is not None:
            self.payments.append(payment.pk)

    @precondition(lambda self: self.payments and self.debits)
    @rule(data=st.data(), share=SHARE)
    def allocate_credit(self, data: st.DataObject, share: str) -> None:
        payment = Payment.objects.get(pk=self.pick(data, self.payments, "payment"))
        inv = self.invoice(self.pick_debit(data))
        amount = amount_of(share, min(inv.balance, payment.unallocated), data)
        self.attempt("allocate_credit", lambda: payment_allocate(actor=None, payment=payment, allocations=[(inv, amount)]))

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), share=SHARE)
    def refund(self, data: st.DataObject, share: str) -> None:
        payment = Payment.objects.get(pk=self.pick(data, self.payments, "payment"))
        amount = amount_of(share, payment.amount - payment.refunded_amount, data)
        self.attempt("refund", lambda: payment_refund(actor=None, payment=payment, amount=amount))

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        payment = Payment.objects.get(pk=self.pick(data, self.payments, "payment"))
        self.attempt("reverse", lambda: payment_reverse(actor=None, payment=payment, reason="bounced"))

    # --- memos ------------------------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        how=st.sampled_from(["whole", "amount", "first_line", "standalone"]),
        share=SHARE,
        apply=st.booleans(),
        lines=LINES,
        issue=st.sampled_from([True, True, False]),
    )
    def credit_note(self, data: st.DataObject, how: str, share: str, apply: bool, lines: list[dict[str, Any]], issue: bool) -> None:
        """A credit note for an invoice (whole, an amount, a line; applied or left on account), or a standalone one."""
        if how == "standalone" or not self.debits:
            credit = self.attempt(
                "standalone_credit_note", lambda: credit_note_create(actor=None, company=self.company, lines=lines, issue=issue)
            )
        else:
            inv = self.invoice(self.pick_debit(data))
            kwargs: dict[str, Any] = {}
            first = inv.lines.order_by("line_no").first()
            if how == "amount":
                kwargs = {"amount": amount_of(share, inv.tax_exclusive_total, data), "tax_category": "Z", "tax_rate": "0"}
            elif how == "first_line" and first is not None:
                kwargs = {"lines": {first.pk: None}}
            credit = self.attempt("credit_note", lambda: credit_note_create(actor=None, invoice=inv, apply=apply, **kwargs))
        if credit is not None:
            self.credits.append(credit.pk)

    @precondition(lambda self: self.debits)
    @rule(data=st.data(), share=SHARE, lines=LINES)
    def apply_credit_note(self, data: st.DataObject, share: str, lines: list[dict[str, Any]]) -> None:
        # Mostly a credit note with something left to apply, sometimes any (an applied or draft one is refused).
        # Most credit notes are applied as they are made, so with none left on account one is issued first.
        unapplied = list(
            Invoice.objects.filter(pk__in=self.credits, status__in=LIVE, balance__gt=0).order_by("pk").values_list("pk", flat=True)
        )
        if not unapplied:
            credit = self.attempt(
                "standalone_credit_note", lambda: credit_note_create(actor=None, company=self.company, lines=lines, issue=True)
            )
            if credit is None:
                return
            self.credits.append(credit.pk)
            unapplied = [credit.pk]
        prefer_unapplied = data.draw(st.integers(0, 4), label="unapplied?") > 0
        credit = self.invoice(self.pick(data, unapplied if unapplied and prefer_unapplied else self.credits, "credit_note"))
        # Mostly an open invoice in the credit note's currency (so credit moves), sometimes any (so refusals are tried).
        same_currency = Invoice.objects.filter(pk__in=self.debits, status__in=LIVE, currency=credit.currency)
        matching = list(same_currency.order_by("pk").values_list("pk", flat=True))
        prefer_matching = data.draw(st.integers(0, 4), label="same currency?") > 0
        inv = self.invoice(self.pick(data, matching, "invoice") if matching and prefer_matching else self.pick_debit(data))
        amount = amount_of(share, min(inv.balance, credit.balance), data)
        self.attempt("apply_credit_note", lambda: credit_note_apply(actor=None, credit_note=credit, allocations=[(inv, amount)]))

    @precondition(lambda self: self.debits)
    @rule(data=st.data())
    def dispute_and_credit(self, data: st.DataObject) -> None:
        inv = self.invoice(self.pick_debit(data))
        line = inv.lines.order_by("line_no").first()
        if line is None:
            return
        dispute = self.attempt("dispute", lambda: dispute_open(actor=None, line=line, reason="price", text="Too dear"))
        if dispute is not None:
            resolved = self.attempt("resolve_by_credit", lambda: dispute_resolve_by_credit(actor=None, dispute=dispute))
            if resolved is not None and resolved.credit_note is not None:
                self.credits.append(resolved.credit_note.pk)

    # --- the invariants ----------------------------------------------------------------------------------------

    @invariant()
    def books_hold(self) -> None:
        assert check_books() == []


OUTCOMES: Counter[tuple[str, str]] = Counter()


@pytest.mark.django_db
def test_random_sequences_of_money_moves_keep_the_books_consistent():
    started = time.monotonic()
    run_state_machine_as_test(
        BooksMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The run must have exercised both outcomes of the main transitions, or it proves little.
    for name in ("issue", "edit_lines", "pay", "refund", "reverse", "credit_note", "cancel", "delete", "apply_credit_note"):
        assert OUTCOMES[name, "ok"] > 0, f"{name} never succeeded: {sorted(OUTCOMES.items())}"
    for name in ("pay", "edit_lines", "cancel", "delete", "refund"):
        assert OUTCOMES[name, "refused"] > 0, f"{name} was never refused: {sorted(OUTCOMES.items())}"
    print(f"\n{sum(OUTCOMES.values())} steps in {time.monotonic() - started:.1f}s: {sorted(OUTCOMES.items())}")
