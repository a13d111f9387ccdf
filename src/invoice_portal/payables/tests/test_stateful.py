"""Random sequences of receipts, invoices, holds, buyer acceptance, approval, rejection, cancel and transaction runs.

After every step: no invoice is Accepted (or Downloaded) with an unexplained exception — its latest
match passed on every line, or the requester accepted the exceptions with a comment (and an approver
approved when it was above their limit) — every invoice waiting on a person has exactly one pending
step, and check-books holds. A domain error is an allowed outcome of a step; anything else is a bug.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.books import check_books
from invoice_portal.invoices.models import Invoice, Kind, ReceivedStatus
from invoice_portal.orders.models import Order
from invoice_portal.payables.models import ApprovalStep, ApproverLimit, MatchLine, PayablesSettings
from invoice_portal.payables.services import receipt_record, received_invoice_cancel
from invoice_portal.payables.services.approval import (
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_correct,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)
from invoice_portal.payables.services.transaction_runs import transaction_run_create
from invoice_portal.payables.testing import flip, make_ap_personas, make_po

T = TypeVar("T")
S = ReceivedStatus
OUTCOMES: Counter[tuple[str, str]] = Counter()
MESSAGES: Counter[tuple[str, str]] = Counter()
WAITING = (S.ON_HOLD, S.PENDING_ORDER_ACCEPTANCE, S.PENDING_DELEGATED_APPROVAL)


class ApMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        self.ap = make_ap_personas()
        ApproverLimit.objects.create(user=self.ap.approver, currency="USD", limit=Decimal("100000"))
        ApproverLimit.objects.create(user=self.ap.requester, currency="USD", limit=Decimal("0"))
        PayablesSettings.objects.update_or_create(pk=1, defaults={"price_tolerance_percent": Decimal("5"), "no_po_line_limit": None})
        self.orders: list[int] = []
        self.invoices: list[int] = []
        self.outcomes: Counter[tuple[str, str]] = Counter()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)
        OUTCOMES.update(self.outcomes)

    def attempt(self, name: str, call: Callable[[], T]) -> T | None:
        refusal: DomainError | None = None
        try:
            result = call()
        except DomainError as error:
            refusal = error
        if refusal is not None:
            assert refusal.message, f"{name}: {type(refusal).__name__} without a message"
            MESSAGES[name, refusal.message[:60]] += 1
            self.outcomes[name, "refused"] += 1
            return None
        self.outcomes[name, "ok"] += 1
        return result

    def invoice(self, data: st.DataObject, *statuses: str) -> Invoice:
        """Mostly an invoice in one of ``statuses`` (so the step can act), sometimes any (so refusals are tried too)."""
        fitting = list(Invoice.objects.filter(pk__in=self.invoices, ap_status__in=statuses).order_by("pk").values_list("pk", flat=True))
        prefer = data.draw(st.integers(0, 4), label="fitting?") > 0
        return Invoice.objects.get(pk=data.draw(st.sampled_from(fitting if fitting and prefer else self.invoices), label="invoice"))

    def order(self, data: st.DataObject) -> Order:
        return Order.objects.get(pk=data.draw(st.sampled_from(self.orders), label="order"))

    @initialize()
    def start_with_an_invoice_waiting_for_the_buyer(self) -> None:
        """A received PO billed 20 % over its price, on hold and sent to the requester: approval is one or two steps away."""
        order = make_po(supplier=self.ap.northwind, requester=self.ap.requester, lines=[("2", "40.00")])
        receipt_record(actor=self.ap.clerk, order=order, lines=[{"order_line": order.lines.get().pk, "quantity": "2"}])
        invoice = flip(order, actor=self.ap.sue, prices=["48.00"])
        self.orders.append(order.pk)
        self.invoices.append(received_invoice_send_to_buyer(actor=self.ap.clerk, invoice=invoice).pk)

    @rule(lines=st.lists(st.tuples(st.sampled_from(["1", "2", "5"]), st.sampled_from(["10.00", "40.00", "99.00"])), min_size=1, max_size=2))
    def purchase_order(self, lines: list[tuple[str, str]]) -> None:
        self.orders.append(make_po(supplier=self.ap.northwind, requester=self.ap.requester, lines=lines).pk)

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), share=st.sampled_from(["all", "one", "over"]))
    def receive(self, data: st.DataObject, share: str) -> None:
        order = self.order(data)
        lines = list(order.lines.order_by("line_no"))
        quantity = {"all": None, "one": Decimal("1"), "over": None}[share]
        rows = [{"order_line": ln.pk, "quantity": quantity or ln.quantity} for ln in lines]
        self.attempt("receive", lambda: receipt_record(actor=self.ap.clerk, order=order, lines=rows,
                                                        over_receipt_reason="spare" if share == "over" else ""))  # fmt: skip

    @precondition(lambda self: self.orders)
    @rule(data=st.data(), qty=st.sampled_from([None, "1"]), price=st.sampled_from([Decimal("1"), Decimal("1.03"), Decimal("1.2")]))
    def invoice_the_po(self, data: st.DataObject, qty: str | None, price: Decimal) -> None:
        order = self.order(data)
        lines = list(order.lines.order_by("line_no"))
        invoice = self.attempt("invoice", lambda: flip(
            order, actor=self.ap.sue, quantities=[qty or str(ln.quantity) for ln in lines],
            prices=[str((ln.unit_price * price).quantize(Decimal("0.01"))) for ln in lines],
        ))  # fmt: skip
        if invoice is not None:
            self.invoices.append(invoice.pk)

    @precondition(lambda self: Invoice.objects.filter(pk__in=self.invoices, ap_status__in=WAITING).exists())
    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        """The next step a person takes on an invoice that waits for one: send to the buyer, accept, approve."""
        invoice = self.invoice(data, *WAITING)
        if invoice.ap_status == S.ON_HOLD:
            self.attempt("send_to_buyer", lambda: received_invoice_send_to_buyer(actor=self.ap.clerk, invoice=invoice))
        elif invoice.ap_status == S.PENDING_ORDER_ACCEPTANCE:
            self.attempt("buyer_accept", lambda: received_invoice_buyer_accept(actor=self.ap.requester, invoice=invoice, comment="ok"))
        elif invoice.ap_status == S.PENDING_DELEGATED_APPROVAL:
            self.attempt("approve", lambda: received_invoice_approve(actor=self.ap.approver, invoice=invoice))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def send_to_buyer(self, data: st.DataObject) -> None:
        invoice = self.invoice(data, S.ON_HOLD)
        self.attempt("send_to_buyer", lambda: received_invoice_send_to_buyer(actor=self.ap.clerk, invoice=invoice))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def buyer_accept(self, data: st.DataObject) -> None:
        invoice = self.invoice(data, S.PENDING_ORDER_ACCEPTANCE)
        self.attempt("buyer_accept", lambda: received_invoice_buyer_accept(actor=self.ap.requester, invoice=invoice, comment="agreed"))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def approve(self, data: st.DataObject) -> None:
        invoice = self.invoice(data, S.PENDING_DELEGATED_APPROVAL)
        self.attempt("approve", lambda: received_invoice_approve(actor=self.ap.approver, invoice=invoice))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data(), who=st.sampled_from(["right", "right", "clerk", "requester", "approver"]))
    def reject(self, data: st.DataObject, who: str) -> None:
        """Mostly by the person the invoice waits for (AP on hold, the requester, the approver), sometimes by anyone."""
        invoice = self.invoice(data, *WAITING)
        right: dict[str, str] = {S.ON_HOLD: "clerk", S.PENDING_ORDER_ACCEPTANCE: "requester", S.PENDING_DELEGATED_APPROVAL: "approver"}
        actor = getattr(self.ap, right.get(invoice.ap_status, "clerk") if who == "right" else who)
        self.attempt("reject", lambda: received_invoice_reject(actor=actor, invoice=invoice, comment="no"))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def rematch(self, data: st.DataObject) -> None:
        invoice = self.invoice(data, S.ON_HOLD)
        self.attempt("rematch", lambda: received_invoice_correct(actor=self.ap.clerk, invoice=invoice))

    @precondition(lambda self: self.invoices)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        invoice = self.invoice(data)
        self.attempt("cancel", lambda: received_invoice_cancel(actor=self.ap.sue, invoice=invoice))

    @precondition(lambda self: Invoice.objects.filter(pk__in=self.invoices, ap_status=S.ACCEPTED).exists())
    @rule()
    def run(self) -> None:
        self.attempt("run", lambda: transaction_run_create(actor=self.ap.clerk))

    @invariant()
    def no_accepted_invoice_with_an_unexplained_exception(self) -> None:
        for invoice in Invoice.objects.filter(pk__in=self.invoices, ap_status__in=[S.ACCEPTED, S.DOWNLOADED], kind=Kind.INVOICE):
            failed = MatchLine.objects.filter(invoice=invoice, passed=False).exists()
            if not failed:
                continue
            steps = ApprovalStep.objects.filter(invoice=invoice, decision=ApprovalStep.Decision.ACCEPTED)
            buyer = steps.filter(stage=ApprovalStep.Stage.BUYER).exclude(comment="").first()
            assert buyer is not None, f"{invoice} is {invoice.ap_status} with failed match lines and nobody accepted them"
            limit = ApproverLimit.objects.filter(user=buyer.decided_by, currency=invoice.currency).values_list(
                "limit", flat=True
            ).first() or Decimal(0)
            if invoice.total > limit:
                assert steps.filter(stage=ApprovalStep.Stage.APPROVAL).exists(), f"{invoice} above the buyer's limit, not approved"

    @invariant()
    def one_pending_step_exactly_while_someone_must_act(self) -> None:
        for invoice in Invoice.objects.filter(pk__in=self.invoices):
            pending = ApprovalStep.objects.filter(invoice=invoice, decision=ApprovalStep.Decision.PENDING).count()
            expected = 1 if invoice.ap_status in (S.PENDING_ORDER_ACCEPTANCE, S.PENDING_DELEGATED_APPROVAL) else 0
            assert pending == expected, (invoice.ap_status, pending)

    @invariant()
    def books_hold(self) -> None:
        assert check_books() == []


@pytest.mark.django_db
def test_random_ap_sequences_never_accept_an_unexplained_exception() -> None:
    run_state_machine_as_test(
        ApMachine,
        settings=settings(max_examples=60, stateful_step_count=20, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]),
    )  # fmt: skip
    for name in ("invoice", "send_to_buyer", "buyer_accept", "approve", "reject", "run"):
        assert OUTCOMES[name, "ok"] > 0, f"{name} never succeeded: {sorted(MESSAGES.items())}"
    for name in ("send_to_buyer", "approve", "reject", "cancel"):
        assert OUTCOMES[name, "refused"] > 0, f"{name} was never refused: {sorted(OUTCOMES.items())}"
