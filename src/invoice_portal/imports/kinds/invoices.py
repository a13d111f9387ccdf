"""Importing invoice documents: one document per ``(source, external_id)``, one row per line.

New documents are written by the bulk path (``imports.bulk``); a document that exists and whose
file content differs goes through ``invoice_update`` (a new sealed version when it is issued)
and, when the file asks for it, ``invoice_issue``. A blank document cell on an existing document
means "keep what it has"; the lines in the file are always the document's whole set of lines.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError, OrderAlreadyInvoiced, ValidationFailed
from invoice_portal.core.money import check_currency
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.imports.bulk import (
    NewDocument,
    document_inputs,
    document_prepare,
    document_renew,
    documents_bulk_create,
    documents_publish,
    documents_stage,
)
from invoice_portal.imports.errors import ErrorLog
from invoice_portal.imports.kinds.base import Action, BatchKind, Document, Results
from invoice_portal.imports.models import ImportKind
from invoice_portal.imports.reader import Group, Row
from invoice_portal.invoices.lines import parse_line, parse_lines
from invoice_portal.invoices.models import Direction, Invoice, InvoiceLine, Kind, Status
from invoice_portal.invoices.per_order import order_invoice_check
from invoice_portal.invoices.services import invoice_issue, invoice_update
from invoice_portal.invoices.services.documents import _apply_totals, _set_header
from invoice_portal.orders.models import Order, OrderSource

HEADER_COLUMNS = (
    "issue_date", "due_date", "service_start", "service_end", "po_number", "notes", "payment_instructions",
    "discount", "discount_tax_category", "discount_tax_rate",
)  # fmt: skip
# Column → key of a line for ``invoices.lines.parse_line``.
LINE_KEYS = {
    "line_kind": "kind", "sku": "sku", "description": "description", "quantity": "quantity", "unit_code": "unit_code",
    "unit_price": "unit_price", "line_discount": "discount", "tax_category": "tax_category", "tax_rate": "tax_rate",
}  # fmt: skip
_LINE_FIELDS = ("kind", "sku", "description", "quantity", "unit_code", "unit_price", "discount", "tax_category", "tax_rate")
_ORDER_COLUMNS = {"store_order_id": OrderSource.BIGCOMMERCE, "erp_order_id": OrderSource.ERP}
# At most this many new documents prepared by the validating pass are kept for the applying pass (about 5.6 KB each
# with 3 lines, measured: ~110 MB at most); the documents of a longer file beyond them are prepared again.
KEEP_PREPARED = 20_000


@dataclass
class InvoicePlan:
    document: Document
    action: Action
    new: NewDocument | None = None  # created: computed, waiting for the bulk write
    existing: Invoice | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    update_content: bool = False
    issue: bool = False


def _line(row: Row) -> dict[str, Any]:
    return {LINE_KEYS[c]: v for c, v in row.values.items() if c in LINE_KEYS}


def _line_signature(values: Any) -> tuple[Any, ...]:
    return tuple(getattr(values, name) for name in _LINE_FIELDS)


class InvoiceKind(BatchKind):
    kind = ImportKind.INVOICES
    label = "invoice"
    field_columns = {
        **{f"lines.{key}": column for column, key in LINE_KEYS.items()},
        "lines": "description",
        "order": "store_order_id",
        **{c: c for c in HEADER_COLUMNS},
    }

    def __init__(self, *, actor: Any) -> None:
        super().__init__(actor=actor)
        # Staged runs (SQLite): the new documents staged so far and the updates left for the publishing transaction.
        self._staged: list[InvoicePlan] = []
        self._deferred: list[InvoicePlan] = []
        self._companies: dict[str, Company | None] = {}
        # Orders given a new invoice earlier in this batch (the rows are written together, after planning).
        self._claimed_orders: set[int] = set()
        # New documents prepared by the validating pass, by (first row, source, external id), with their inputs: the
        # applying pass reads the same rows from the same reader and takes them where the inputs are still the same.
        self._prepared: dict[tuple[int, str, str], tuple[tuple[Any, ...], NewDocument]] = {}
        self._keep_prepared = True

    def applying(self) -> InvoiceKind:
        kind = InvoiceKind(actor=self.actor)
        kind._prepared, kind._keep_prepared = self._prepared, False
        self._prepared = {}
        return kind

    def key(self, row: Row) -> tuple[str, ...]:
        return (row.get("source") or "erp", row.get("external_id"))

    # --- planning ----------------------------------------------------------------------------------

    def _load_companies(self, documents: Sequence[Document]) -> None:
        wanted = {d.get("company_external_id") for d in documents} - set(self._companies)
        if wanted:
            found = {c.external_id: c for c in Company.objects.filter(external_id__in=wanted)}
            self._companies.update({ext: found.get(ext) for ext in wanted})

    @staticmethod
    def _load_orders(documents: Sequence[Document]) -> dict[tuple[str, str], Order]:
        wanted = Q(pk__in=[])
        for column, source in _ORDER_COLUMNS.items():
            ids = {d.get(column) for d in documents if d.get(column)}
            if ids:
                wanted |= Q(source=source, external_id__in=ids)
        orders = Order.objects.filter(wanted).order_by("pk")
        if transaction.get_connection().in_atomic_block:
            # The applying pass: hold the orders so no other path invoices them before this batch commits.
            orders = orders.select_for_update()
        return {(o.source, o.external_id): o for o in orders}

    @staticmethod
    def _load_existing(documents: Sequence[Document]) -> dict[tuple[str, str], Invoice]:
        wanted = Q(pk__in=[])
        for source in {d.get("source") or "erp" for d in documents}:
            wanted |= Q(source=source, external_id__in=[d.external_id for d in documents if (d.get("source") or "erp") == source])
        found = {(inv.source, inv.external_id or ""): inv for inv in Invoice.objects.filter(wanted)}
        # The stored lines as comparable tuples: reading them as rows, not model instances, is what keeps re-imports cheap.
        stored: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        rows = (
            InvoiceLine.objects.filter(invoice__in=found.values())
            .order_by("invoice_id", "line_no")
            .values_list("invoice_id", *_LINE_FIELDS)
        )
        for invoice_id, *values in rows:
            stored[invoice_id].append(tuple(values))
        for invoice in found.values():
            invoice._stored_lines = stored[invoice.pk]  # type: ignore[attr-defined]
        return found

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[InvoicePlan]:
        documents = [d for g in groups if (d := self.document(g, errors)) is not None]
        self._load_companies(documents)
        orders = self._load_orders(documents)
        existing = self._load_existing(documents)
        plans = []
        for document in documents:
            try:
                plan = self._plan_one(document, orders, existing, errors)
            except ValidationFailed as exc:
                if not (exc.field or "").startswith("lines") or not self._report_lines(document, errors):
                    self.locate(exc, document, errors)
                continue
            if plan is not None:
                plans.append(plan)
        return plans

    def _report_lines(self, document: Document, errors: ErrorLog) -> bool:
        """Check each line on its own, so that every bad row is reported (``parse_lines`` stops at the first)."""
        company = self._companies.get(document.get("company_external_id"))
        currency = document.get("currency") or (company.currency if company else portal_settings().default_currency)
        try:
            check_currency(currency)
        except ValidationFailed:
            return False
        found = False
        for i, row in enumerate(document.group.rows):
            try:
                parse_line(_line(row), currency, index=i)
            except ValidationFailed as exc:
                self.locate(exc, document, errors)
                found = True
        return found

    def _order(self, document: Document, orders: dict[tuple[str, str], Order], errors: ErrorLog) -> tuple[bool, Order | None]:
        given = [c for c in _ORDER_COLUMNS if document.get(c)]
        if len(given) > 1:
            errors.add(document.row("erp_order_id"), "erp_order_id", "Give store_order_id or erp_order_id, not both.")
            return False, None
        if not given:
            return True, None
        column = given[0]
        order = orders.get((_ORDER_COLUMNS[column], document.get(column)))
        if order is None:
            errors.add(document.row(column), column, f"No {_ORDER_COLUMNS[column]} order with id '{document.get(column)}'.")
            return False, None
        return True, order

    def _plan_one(
        self, document: Document, orders: dict[tuple[str, str], Order], existing: dict[tuple[str, str], Invoice], errors: ErrorLog
    ) -> InvoicePlan | None:
        source = document.get("source") or "erp"
        lines = [_line(row) for row in document.group.rows]
        company = self._companies.get(document.get("company_external_id"))
        ok, order = self._order(document, orders, errors)
        if company is None:
            column = "company_external_id"
            errors.add(document.row(column), column, f"No company with external id '{document.get(column)}'.")
        if company is None or not ok:
            self._report_lines(document, errors)  # what else is wrong with the document's rows
            return None
        kind = document.get("kind") or Kind.INVOICE
        currency = check_currency(document.get("currency") or company.currency)
        header = {c: document.get(c) for c in HEADER_COLUMNS if document.get(c)}
        issue = (document.get("status") or Status.OPEN) == Status.OPEN
        current = existing.get((source, document.external_id))
        if current is None:
            if order is not None:
                column = "store_order_id" if document.get("store_order_id") else "erp_order_id"
                try:
                    order_invoice_check(order=order, kind=kind, claimed=self._claimed_orders, field=None)
                except OrderAlreadyInvoiced as exc:
                    errors.add(document.row(column), column, exc.message)
                    return None
                if kind == Kind.INVOICE:
                    self._claimed_orders.add(order.pk)
            inputs = (*document_inputs(company=company, order=order, currency=currency), kind, issue)
            where = (document.group.first, source, document.external_id)
            kept = self._prepared.pop(where, None)
            if kept is not None and kept[0] == inputs:
                new = document_renew(kept[1], company=company, order=order)
            else:
                new = document_prepare(
                    actor=self.actor, company=company, lines=lines, kind=kind, source=source, currency=currency, order=order,
                    external_id=document.external_id, header=header, issue=issue,
                )  # fmt: skip
                if self._keep_prepared and len(self._prepared) < KEEP_PREPARED:
                    self._prepared[where] = (inputs, new)
            return InvoicePlan(document, Action.CREATED, new=new)
        return self._plan_existing(document, current, company=company, order=order, kind=kind, lines=lines, header=header, issue=issue)

    def _plan_existing(
        self,
        document: Document,
        current: Invoice,
        *,
        company: Company,
        order: Order | None,
        kind: str,
        lines: list[dict[str, Any]],
        header: dict[str, Any],
        issue: bool,
    ) -> InvoicePlan | None:
        label = f"{self.label} '{document.external_id}' ({current})"
        if current.direction != Direction.ISSUED:
            raise ValidationFailed(f"external_id: {label} is a received invoice; it is not imported here.", field="external_id")
        if current.company_id != company.pk:
            raise ValidationFailed(
                f"company_external_id: {label} belongs to {current.company}; an import does not move it.", field="company_external_id"
            )
        if document.get("currency") and document.get("currency") != current.currency:
            raise ValidationFailed(f"currency: {label} is in {current.currency}.", field="currency")
        if kind != current.kind:
            raise ValidationFailed(f"kind: {label} is a {current.get_kind_display().lower()}.", field="kind")
        if order is not None and current.order_id != order.pk:
            column = "store_order_id" if document.get("store_order_id") else "erp_order_id"
            raise ValidationFailed(f"{column}: {label} is linked to another order or to none; an import does not relink it.", field=column)
        specs = parse_lines(lines, current.currency)
        proposed = copy.copy(current)
        _set_header(proposed, header, specs)
        changed = [_line_signature(s) for s in specs] != current._stored_lines or any(  # type: ignore[attr-defined]
            getattr(proposed, name) != getattr(current, name) for name in HEADER_COLUMNS
        )
        if changed:  # same lines and header: the stored totals are what these would compute
            _apply_totals(proposed, specs)
        needs_issue = issue and current.status == Status.DRAFT
        if not changed and not needs_issue:
            return InvoicePlan(document, Action.UNCHANGED, existing=current)
        if changed and current.status not in (Status.DRAFT, Status.OPEN, Status.PARTIALLY_PAID):
            raise ValidationFailed(
                f"external_id: {label} is {current.get_status_display().lower()} and can no longer be edited; the file changes it.",
                field="external_id",
            )
        if changed and proposed.total < current.allocated_total:
            raise ValidationFailed(
                f"external_id: the new total {proposed.total} of {label} is below the {current.allocated_total} already allocated to it.",
                field="external_id",
            )
        return InvoicePlan(
            document, Action.UPDATED, existing=current, lines=lines, header=header, update_content=changed, issue=needs_issue
        )

    # --- applying ----------------------------------------------------------------------------------

    can_stage = True

    def _write_new(self, new: list[InvoicePlan], errors: ErrorLog, write: Any) -> bool:
        try:
            with transaction.atomic():
                write([p.new for p in new if p.new is not None])
        except IntegrityError:
            # Only a concurrent writer of the same (source, external_id) gets here: planning saw none.
            for p in new:
                errors.add(
                    p.document.group.first,
                    "external_id",
                    "The database changed while this batch ran (a concurrent import?); import the file again.",
                )
            return False
        return True

    def stage(self, plans: Sequence[InvoicePlan], errors: ErrorLog, batch_id: int) -> None:
        """One chunk of a staged run, in its own short transaction: new documents written hidden, updates kept for ``publish``."""
        new = [p for p in plans if p.new is not None]
        if new and not self._write_new(new, errors, lambda docs: documents_stage(documents=docs, batch_id=batch_id)):
            return
        self._staged.extend(new)
        self._deferred.extend(p for p in plans if p.new is None)

    def publish(self, errors: ErrorLog, results: Results, batch_id: int) -> None:
        """The final transaction of a staged run: re-check what others may have changed meanwhile, then number, seal,
        audit and show the staged documents, and apply the updates (through the services, as ``apply`` does)."""
        orders = {
            p.new.invoice.order_id
            for p in self._staged
            if p.new is not None and p.new.invoice.kind == Kind.INVOICE and p.new.invoice.order_id is not None
        }
        if orders:
            taken = set(
                Invoice.objects.filter(order_id__in=orders, kind=Kind.INVOICE)
                .exclude(status=Status.CANCELED)
                .values_list("order_id", flat=True)
            )
            for plan in self._staged:
                assert plan.new is not None
                if plan.new.invoice.order_id in taken and plan.new.invoice.kind == Kind.INVOICE:
                    order = plan.new.invoice.order
                    column = "store_order_id" if plan.document.get("store_order_id") else "erp_order_id"
                    try:
                        order_invoice_check(order=order, kind=Kind.INVOICE, field=None)  # type: ignore[arg-type]
                    except OrderAlreadyInvoiced as exc:
                        errors.add(plan.document.row(column), column, exc.message)
            if errors:
                return
        documents_publish(actor=self.actor, documents=[p.new for p in self._staged if p.new is not None], batch_id=batch_id)
        self.apply([*self._staged, *self._deferred], errors, results, written=True)

    def apply(self, plans: Sequence[InvoicePlan], errors: ErrorLog, results: Results, *, written: bool = False) -> None:
        """Apply a chunk of plans in the caller's transaction (``written``: its new documents are in already)."""
        new = [p for p in plans if p.new is not None]
        if new and not written and not self._write_new(new, errors, lambda docs: documents_bulk_create(actor=self.actor, documents=docs)):
            return
        for plan in plans:
            if plan.new is not None:
                results.record(
                    rows=plan.document.group.row_numbers,
                    external_id=plan.document.external_id,
                    action=plan.action,
                    object_id=plan.new.invoice.pk,
                )
                continue
            invoice = plan.existing
            assert invoice is not None
            if plan.action == Action.UPDATED:
                try:
                    with transaction.atomic():
                        if plan.update_content:
                            invoice = invoice_update(actor=self.actor, invoice=invoice, lines=plan.lines, **plan.header)
                        if plan.issue:
                            invoice = invoice_issue(actor=self.actor, invoice=invoice)
                except DomainError as exc:
                    self.locate(exc, plan.document, errors)
                    continue
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=invoice.pk
            )
