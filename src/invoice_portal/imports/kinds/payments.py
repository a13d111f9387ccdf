"""Importing payments with their allocations: new ones as ``payment_record`` records them (in bulk,
``payments_record_many``), ``payment_allocate`` for more.

A payment is a fact: once imported, its company, amount, currency, method and dates are not
changed by a later file. A later file may allocate more of it (a larger allocation to an
invoice, or a new invoice); it never takes an allocation back — refunds and reversals are made
in the portal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from invoice_portal.companies.models import Company
from invoice_portal.companies.selectors import company_tree_ids
from invoice_portal.core.errors import DomainError, ValidationFailed
from invoice_portal.core.money import ZERO, as_str, check_currency, parse_money
from invoice_portal.imports.errors import CellError, ErrorLog
from invoice_portal.imports.kinds.base import Action, BatchKind, Document, Results, parse_date
from invoice_portal.imports.models import ImportKind
from invoice_portal.imports.reader import Group, Row
from invoice_portal.invoices.models import Direction, Invoice, Kind, Status
from invoice_portal.payments.bulk import PaymentsRefused, payments_record_many
from invoice_portal.payments.models import SETTLED_STATUSES, Allocation, Payment
from invoice_portal.payments.services import NewPayment, payment_allocate, payment_prepare

_ALLOCATION_COLUMNS = ("invoice_external_id", "invoice_number", "allocation_amount")


@dataclass
class PaymentPlan:
    document: Document
    action: Action
    existing: Payment | None
    arguments: dict[str, Any] = field(default_factory=dict)
    allocations: list[tuple[int, Decimal]] = field(default_factory=list)  # (invoice id, amount) still to allocate
    allocation_rows: list[int] = field(default_factory=list)  # the row of each allocation, for errors


class PaymentKind(BatchKind):
    kind = ImportKind.PAYMENTS
    label = "payment"
    field_columns = {
        "allocations.amount": "allocation_amount",
        "allocations.invoice": "invoice_external_id",
        "allocations": "allocation_amount",
    }

    def __init__(self, *, actor: Any) -> None:
        super().__init__(actor=actor)
        self._companies: dict[str, Company | None] = {}
        self._trees: dict[int, set[int]] = {}
        # Invoices as first seen in this pass (before this batch allocated anything to them) and what
        # the batch allocates to each, so that several payments of one file never overpay an invoice.
        self._invoices: dict[tuple[str, str], Invoice | None] = {}
        self._allocated: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self._by_pk: dict[int, Invoice] = {}

    def key(self, row: Row) -> tuple[str, ...]:
        return (row.get("external_id"),)

    @staticmethod
    def _invoice_key(row: Row) -> tuple[str, str]:
        if row.get("invoice_number"):
            return ("#", row.get("invoice_number"))
        return (row.get("invoice_source") or "erp", row.get("invoice_external_id"))

    def _load(self, documents: Sequence[Document]) -> dict[str, Payment]:
        wanted = {d.get("company_external_id") for d in documents} - set(self._companies)
        if wanted:
            found = {c.external_id: c for c in Company.objects.filter(external_id__in=wanted)}
            self._companies.update({ext: found.get(ext) for ext in wanted})
        keys = {self._invoice_key(r) for d in documents for r in d.group.rows if any(r.get(c) for c in _ALLOCATION_COLUMNS)}
        keys -= set(self._invoices)
        if keys:
            query = Q(pk__in=[])
            numbers = [k[1] for k in keys if k[0] == "#"]
            if numbers:
                query |= Q(direction=Direction.ISSUED, number__in=numbers)
            for source in {k[0] for k in keys if k[0] != "#"}:
                query |= Q(source=source, external_id__in=[k[1] for k in keys if k[0] == source])
            for invoice in Invoice.objects.filter(query):
                if ("#", invoice.number or "") in keys:
                    self._invoices[("#", invoice.number or "")] = invoice
                if (invoice.source, invoice.external_id or "") in keys:
                    self._invoices[(invoice.source, invoice.external_id or "")] = invoice
            for k in keys:
                self._invoices.setdefault(k, None)
        return {p.external_id or "": p for p in Payment.objects.filter(external_id__in=[d.external_id for d in documents])}

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[PaymentPlan]:
        documents = [d for g in groups if (d := self.document(g, errors)) is not None]
        existing = self._load(documents)
        plans = []
        for document in documents:
            try:
                plan = self._plan_one(document, existing.get(document.external_id), errors)
            except CellError as exc:
                errors.add(document.row(exc.column), exc.column, exc.message)
                continue
            except ValidationFailed as exc:
                self.locate(exc, document, errors)
                continue
            if plan is not None:
                plans.append(plan)
        return plans

    def _allocations(self, document: Document, company: Company, currency: str, errors: ErrorLog) -> dict[int, tuple[Decimal, int]] | None:
        """The file's allocations merged per invoice: {invoice id: (amount, first row)}; None after an error."""
        tree = self._trees.setdefault(company.pk, company_tree_ids(company.pk))
        merged: dict[int, tuple[Decimal, int]] = {}
        before = errors.total
        for row in document.group.rows:
            if not any(row.get(c) for c in _ALLOCATION_COLUMNS):
                continue
            if bool(row.get("invoice_external_id")) == bool(row.get("invoice_number")):
                errors.add(row.number, "invoice_external_id", "An allocation names its invoice by invoice_external_id or invoice_number.")
                continue
            if not row.get("allocation_amount"):
                errors.add(row.number, "allocation_amount", "Required with an invoice.")
                continue
            try:
                amount = parse_money(row.get("allocation_amount"), currency, field="allocation_amount")
            except ValidationFailed as exc:
                errors.add(row.number, "allocation_amount", exc.message.removeprefix("allocation_amount: "))
                continue
            column = "invoice_number" if row.get("invoice_number") else "invoice_external_id"
            invoice = self._invoices.get(self._invoice_key(row))
            if invoice is None or invoice.company_id not in tree:
                errors.add(row.number, column, f"No invoice '{row.get(column)}' of {company}.")
                continue
            problem = self._target_problem(invoice, currency)
            if problem:
                errors.add(row.number, column, problem)
                continue
            if amount <= ZERO:
                errors.add(row.number, "allocation_amount", "Must be above zero.")
                continue
            self._by_pk[invoice.pk] = invoice
            previous, first_row = merged.get(invoice.pk, (ZERO, row.number))
            merged[invoice.pk] = (previous + amount, first_row)
        return None if errors.total > before else merged

    @staticmethod
    def _target_problem(invoice: Invoice, currency: str) -> str:
        if invoice.direction != Direction.ISSUED or invoice.kind == Kind.CREDIT_NOTE:
            return f"{invoice} is not something the customer owes; it cannot take an allocation."
        if invoice.status in (Status.DRAFT, Status.CANCELED):
            return f"{invoice} is {invoice.get_status_display().lower()}; nothing can be allocated to it."
        if invoice.currency != currency:
            return f"{invoice} is in {invoice.currency}, the payment in {currency}."
        return ""

    def _plan_one(self, document: Document, current: Payment | None, errors: ErrorLog) -> PaymentPlan | None:
        company = self._companies.get(document.get("company_external_id"))
        if company is None:
            column = "company_external_id"
            errors.add(document.row(column), column, f"No company with external id '{document.get(column)}'.")
            return None
        currency = check_currency(document.get("currency") or company.currency)
        amount = parse_money(document.get("amount"), currency, field="amount")
        if amount <= ZERO:
            raise CellError("amount", "A payment is above zero.")
        received_on = parse_date(document.get("received_on"), "received_on")
        merged = self._allocations(document, company, currency, errors)
        if merged is None:
            return None
        if current is None:
            wanted = {invoice_id: value for invoice_id, (value, _) in merged.items()}
        else:
            more = self._more_for_existing(
                document, current, company=company, amount=amount, currency=currency, received_on=received_on, merged=merged, errors=errors
            )
            if more is None:
                return None
            wanted = more
        total = sum(wanted.values(), ZERO)
        available = amount if current is None else current.unallocated
        if total > available:
            raise CellError(
                "allocation_amount",
                f"The allocations add up to {as_str(total, currency)}; the payment has {as_str(available, currency)} to allocate.",
            )
        for invoice_id, value in wanted.items():
            invoice = self._by_pk[invoice_id]
            if value > invoice.balance - self._allocated[invoice_id]:
                due = as_str(invoice.balance - self._allocated[invoice_id], currency)
                row = merged[invoice_id][1]
                errors.add(row, "allocation_amount", f"{as_str(value, currency)} is more than the {due} {currency} still due on {invoice}.")
                return None
        for invoice_id, value in wanted.items():
            self._allocated[invoice_id] += value
        rows = [merged[i][1] for i in wanted]
        if current is not None:
            action = Action.UPDATED if wanted else Action.UNCHANGED
            return PaymentPlan(document, action, current, allocations=list(wanted.items()), allocation_rows=rows)
        arguments = {
            "company": company, "amount": amount, "currency": currency, "method": document.get("method"),
            "reference": document.get("reference"), "received_on": received_on, "external_id": document.external_id,
            "notes": document.get("notes"),
        }  # fmt: skip
        return PaymentPlan(document, Action.CREATED, None, arguments, list(wanted.items()), rows)

    def _more_for_existing(
        self,
        document: Document,
        current: Payment,
        *,
        company: Company,
        amount: Decimal,
        currency: str,
        received_on: Any,
        merged: dict[int, tuple[Decimal, int]],
        errors: ErrorLog,
    ) -> dict[int, Decimal] | None:
        label = f"payment '{document.external_id}' (#{current.pk})"
        same = {
            "company_external_id": current.company_id == company.pk,
            "currency": current.currency == currency,
            "amount": current.amount == amount,
            "method": current.method == document.get("method"),
            "reference": not document.get("reference") or current.reference == document.get("reference"),
            "received_on": received_on is None or current.received_on == received_on,
        }
        for column, ok in same.items():
            if not ok:
                raise CellError(column, f"{label} was imported with another {column}; an import does not change a payment.")
        allocated = dict(Allocation.objects.filter(payment=current).values_list("invoice_id", "amount"))
        wanted: dict[int, Decimal] = {}
        for invoice_id, (value, row) in merged.items():
            already = allocated.get(invoice_id, ZERO)
            if value < already:
                errors.add(
                    row,
                    "allocation_amount",
                    f"{label} has {as_str(already, currency)} allocated to that invoice; an import does not take "
                    "allocations back (refund or reverse it in the portal).",
                )
                return None
            if value > already:
                wanted[invoice_id] = value - already
        if wanted and current.status not in SETTLED_STATUSES:
            raise CellError("external_id", f"{label} is {current.get_status_display().lower()}; nothing more can be allocated from it.")
        return wanted

    def apply(self, plans: Sequence[PaymentPlan], errors: ErrorLog, results: Results) -> None:
        """In file order: each run of new payments in bulk (``payments_record_many``, what ``payment_record`` writes
        for each), each existing payment through ``payment_allocate``."""
        new: list[PaymentPlan] = []
        for plan in plans:
            if plan.action == Action.CREATED:
                new.append(plan)
                continue
            self._record_new(new, errors, results)
            new = []
            payment = plan.existing
            assert payment is not None
            if plan.action == Action.UPDATED:
                allocations = [(invoice_id, value) for invoice_id, value in plan.allocations]
                try:
                    with transaction.atomic():
                        payment = payment_allocate(actor=self.actor, payment=payment, allocations=allocations)
                except DomainError as exc:
                    self.locate(exc, plan.document, errors, line_rows=plan.allocation_rows)
                    continue
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=payment.pk
            )
        self._record_new(new, errors, results)

    def _record_new(self, plans: Sequence[PaymentPlan], errors: ErrorLog, results: Results) -> None:
        """New payments, checked as ``payment_record`` checks each (a refusal is located on its row as there)."""
        prepared: list[tuple[PaymentPlan, NewPayment]] = []
        for plan in plans:
            try:
                prepared.append((plan, payment_prepare(actor=self.actor, allocations=plan.allocations, **plan.arguments)))
            except DomainError as exc:
                self.locate(exc, plan.document, errors, line_rows=plan.allocation_rows)
        try:
            payments_record_many(actor=self.actor, payments=[new for _, new in prepared])
        except PaymentsRefused as refused:
            for i, refusal in refused.refusals.items():
                plan = prepared[i][0]
                self.locate(refusal, plan.document, errors, line_rows=plan.allocation_rows)
            return
        for plan, new in prepared:
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=new.payment.pk
            )
