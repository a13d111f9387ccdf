"""The demo's money: customers pay late, in part, by check or card, sometimes too much; credit is used."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from django.db.models import F

from invoice_portal.core.money import ZERO
from invoice_portal.demo.catalog import SPECS, D, PayEvent
from invoice_portal.demo.documents import DemoDocuments
from invoice_portal.invoices.models import Invoice, Kind, Status
from invoice_portal.payments.models import SETTLED_STATUSES, Method, Payment, PaymentStatus
from invoice_portal.payments.services import (
    credit_note_apply,
    payment_allocate,
    payment_record,
    payment_resolve_pending,
)


class DemoPayments(DemoDocuments):
    # --- money ----------------------------------------------------------------------------------------

    def pay_day(self, day: dt.date) -> None:
        groups: dict[tuple[str, str], list[tuple[Invoice, Decimal]]] = {}
        for event in self.payments.pop(day, []):
            invoice = Invoice.objects.get(pk=event.invoice_id)
            if invoice.status not in (Status.OPEN, Status.PARTIALLY_PAID) or invoice.pk in self.reserved:
                continue
            amount = invoice.balance if event.amount is None else min(event.amount, invoice.balance)
            if amount > ZERO:
                groups.setdefault((event.payer, invoice.currency), []).append((invoice, amount))
        for (payer, currency), allocations in groups.items():
            if self.rng.random() < 0.6:
                allocations = self.use_credit(payer, currency, allocations)
            if allocations:
                self.pay(payer, currency, allocations, day)

    def use_credit(self, payer: str, currency: str, allocations: list[tuple[Invoice, Decimal]]) -> list[tuple[Invoice, Decimal]]:
        """Credit on account (an earlier overpayment or an unapplied credit note) is used before new money."""
        company, finance = self.companies[payer], self.users["finance@demo.test"]
        payments = list(
            Payment.objects.filter(company=company, currency=currency, status__in=SETTLED_STATUSES)
            .filter(amount__gt=F("refunded_amount") + F("allocated_total"))
            .order_by("pk")
        )
        unapplied = [Status.OPEN, Status.PARTIALLY_PAID]
        credits = list(
            Invoice.objects.filter(company=company, currency=currency, kind=Kind.CREDIT_NOTE, status__in=unapplied).order_by("pk")
        )
        remaining = []
        for invoice, amount in allocations:
            for payment in payments:
                take = min(amount, payment.amount - payment.refunded_amount - payment.allocated_total)
                if take > ZERO:
                    payment = payment_allocate(actor=finance, payment=payment, allocations=[(invoice, take)])
                    payments = [payment if p.pk == payment.pk else p for p in payments]
                    amount -= take
            for credit in credits:
                take = min(amount, credit.balance)
                if take > ZERO:
                    credit = credit_note_apply(actor=finance, credit_note=credit, allocations=[(invoice, take)])
                    credits = [credit if c.pk == credit.pk else c for c in credits]
                    amount -= take
            if amount > ZERO:
                remaining.append((invoice, amount))
        return remaining

    def pay(self, payer: str, currency: str, allocations: list[tuple[Invoice, Decimal]], day: dt.date, method: str = "") -> Payment:
        spec, company = SPECS[payer], self.companies[payer]
        method = method or self.pick(spec.methods)
        total = sum((amount for _, amount in allocations), ZERO)
        reference = self.reference(payer, method, day)
        if method in (Method.CARD, Method.BANK):
            # Through the gateway: pending until its webhook says how it ended.
            payment = payment_record(
                actor=None, company=company, amount=total, currency=currency, method=method, reference=reference, received_on=day,
                status=PaymentStatus.PENDING, gateway="stripe", gateway_reference=self.gateway_ref("pi"),
            )  # fmt: skip
            r = self.rng.random()
            if day == self.today and r < 0.5:
                return payment
            if r < 0.09:
                outcome = PaymentStatus.FAILED if r < 0.06 else PaymentStatus.CANCELED
                payment = payment_resolve_pending(actor=None, payment=payment, status=outcome)
                retry = day + dt.timedelta(days=self.rng.randint(2, 6))
                for invoice, amount in allocations:
                    self.pay_on(retry, PayEvent(invoice.pk, payer, amount))
                return payment
            return payment_resolve_pending(actor=None, payment=payment, status=PaymentStatus.SUCCEEDED, allocations=allocations)
        amount = total
        if method == Method.WIRE and self.rng.random() < 0.08:
            step = D(10_000) if currency == "JPY" else D(100)
            amount = (total / step).to_integral_value(rounding=ROUND_CEILING) * step
            amount += step if amount == total else ZERO  # a round figure above what was due: credit on account
        return payment_record(
            actor=self.users["finance@demo.test"], company=company, amount=amount, currency=currency, method=method,
            reference=reference, received_on=day, allocations=allocations,
        )  # fmt: skip
