"""Importing orders from the ERP: each goes through ``order_upsert`` (which flags invoiced orders it changes).

A new order is prepared while planning (``order_prepare``: every rule of ``order_upsert``), so the validating
pass reports what the service would refuse. On SQLite new orders are staged (``kinds.order_staging``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from invoice_portal.accounts.models import User
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError, ValidationFailed
from invoice_portal.core.money import QUANTITY_PLACES, TAX_RATE_PLACES, UNIT_PRICE_PLACES, check_currency, to_decimal
from invoice_portal.imports.errors import CellError, ErrorLog
from invoice_portal.imports.kinds.base import Action, Document, Results, parse_date
from invoice_portal.imports.kinds.order_staging import OrderStaging
from invoice_portal.imports.models import ImportKind
from invoice_portal.imports.reader import Group, Row
from invoice_portal.invoices.lines import check_tax
from invoice_portal.orders.models import Direction, Order, OrderLine
from invoice_portal.orders.services import NewOrder, order_prepare, order_upsert

_LINE_COLUMNS = ("sku", "description", "quantity", "unit_price", "tax_category", "tax_rate")


@dataclass
class OrderPlan:
    document: Document
    action: Action
    company: Company
    existing: Order | None
    arguments: dict[str, Any] = field(default_factory=dict)
    new: NewOrder | None = None  # created: checked and computed, waiting to be written (staged runs)


def _line(row: Row) -> dict[str, Any]:
    """One order line, checked cell by cell (``order_upsert`` checks it again as the authority)."""
    quantity = to_decimal(row.get("quantity") or "1", field="quantity", places=QUANTITY_PLACES)
    if quantity <= 0:
        raise CellError("quantity", "Must be above zero.")
    price = to_decimal(row.get("unit_price"), field="unit_price", places=UNIT_PRICE_PLACES)
    rate = to_decimal(row.get("tax_rate") or "0", field="tax_rate", places=TAX_RATE_PLACES)
    category = row.get("tax_category") or ("S" if rate else "Z")
    check_tax(category, rate, field="tax_rate")
    return {"sku": row.get("sku"), "description": row.get("description"), "quantity": quantity, "unit_price": price,
            "tax_category": category, "tax_rate": rate}  # fmt: skip


def _signature(line: dict[str, Any] | OrderLine) -> tuple[Any, ...]:
    values = line if isinstance(line, dict) else {c: getattr(line, c) for c in _LINE_COLUMNS}
    return tuple(Decimal(values[c]).normalize() if c in ("quantity", "unit_price", "tax_rate") else values[c] for c in _LINE_COLUMNS)


class OrderKind(OrderStaging):
    kind = ImportKind.ORDERS
    label = "order"
    field_columns = {f"lines.{c}": c for c in _LINE_COLUMNS}

    def __init__(self, *, actor: Any) -> None:
        super().__init__(actor=actor)
        self._companies: dict[str, Company | None] = {}

    def key(self, row: Row) -> tuple[str, ...]:
        return (row.get("source") or "erp", row.get("external_id"))

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[OrderPlan]:
        documents = [d for g in groups if (d := self.document(g, errors)) is not None]
        wanted = {d.get("company_external_id") for d in documents} - set(self._companies)
        if wanted:
            found = {c.external_id: c for c in Company.objects.filter(external_id__in=wanted)}
            self._companies.update({ext: found.get(ext) for ext in wanted})
        emails = {d.get("placed_by_email").lower() for d in documents if d.get("placed_by_email")}
        users = {u.email: u for u in User.objects.filter(email__in=emails)} if emails else {}
        keys = Q(pk__in=[])
        for source in {d.get("source") or "erp" for d in documents}:
            keys |= Q(source=source, external_id__in=[d.external_id for d in documents if (d.get("source") or "erp") == source])
        existing = {(o.source, o.external_id): o for o in Order.objects.filter(keys).prefetch_related("lines")}
        plans = []
        for document in documents:
            try:
                plan = self._plan_one(document, users, existing, errors)
            except CellError as exc:
                errors.add(document.row(exc.column), exc.column, exc.message)
                continue
            except ValidationFailed as exc:
                self.locate(exc, document, errors)
                continue
            if plan is not None:
                plans.append(plan)
        return plans

    def _plan_one(
        self, document: Document, users: dict[str, User], existing: dict[tuple[str, str], Order], errors: ErrorLog
    ) -> OrderPlan | None:
        before = errors.total
        company = self._companies.get(document.get("company_external_id"))
        if company is None:
            column = "company_external_id"
            errors.add(document.row(column), column, f"No company with external id '{document.get(column)}'.")
        placed_by = None
        if email := document.get("placed_by_email").lower():
            placed_by = users.get(email)
            if placed_by is None or (company is not None and placed_by.company_id != company.pk):
                errors.add(document.row("placed_by_email"), "placed_by_email", f"No user '{email}' at {company or 'that company'}.")
        lines = []
        bad = errors.total > before
        for row in document.group.rows:
            try:
                lines.append(_line(row))
            except CellError as exc:
                errors.add(row.number, exc.column, exc.message)
                bad = True
            except ValidationFailed as exc:
                column = exc.field or ""
                errors.add(row.number, column, exc.message.removeprefix(f"{column}: "))
                bad = True
        if bad or company is None:
            return None
        source = document.get("source") or "erp"
        currency = check_currency(document.get("currency") or company.currency)
        order_date = parse_date(document.get("order_date"), "order_date")
        direction = document.get("direction") or Direction.SALES
        current = existing.get((source, document.external_id))
        if current is not None:
            label = f"order '{document.external_id}'"
            if current.company_id != company.pk:
                raise ValidationFailed(f"company_external_id: {label} belongs to another company.", field="company_external_id")
            if current.currency != currency:
                raise ValidationFailed(f"currency: {label} is in {current.currency}.", field="currency")
            if current.direction != direction:
                raise ValidationFailed(f"direction: {label} is a {current.get_direction_display().lower()}.", field="direction")
        arguments: dict[str, Any] = {
            "source": source, "external_id": document.external_id, "company": company, "lines": lines, "currency": currency,
            "order_date": order_date, "direction": direction, "placed_by": placed_by,
            # Blank on an existing order keeps what it has; on a new one, the defaults.
            "status": document.get("status") or (current.status if current else "pending"),
            "po_number": document.get("po_number") or (current.po_number if current else ""),
        }  # fmt: skip
        if current is None:
            return OrderPlan(document, Action.CREATED, company, None, arguments, new=order_prepare(**arguments))
        changed = (
            [_signature(ln) for ln in lines] != [_signature(ln) for ln in sorted(current.lines.all(), key=lambda ln: ln.line_no)]
            or arguments["status"] != current.status
            or arguments["po_number"] != current.po_number
            or (order_date is not None and order_date != current.order_date)
            or (placed_by is not None and placed_by.pk != current.placed_by_id)
        )
        return OrderPlan(document, Action.UPDATED if changed else Action.UNCHANGED, company, current, arguments)

    def recheck(self, staged: Sequence[OrderPlan], errors: ErrorLog) -> None:
        """A user named ``placed_by`` may have moved to another company since their order was staged."""
        placed_by = {p.new.order.placed_by_id for p in staged if p.new is not None and p.new.order.placed_by_id is not None}
        companies = dict(User.objects.filter(pk__in=placed_by).values_list("pk", "company_id")) if placed_by else {}
        for plan in staged:
            assert plan.new is not None
            order = plan.new.order
            if order.placed_by_id is not None and companies.get(order.placed_by_id) != order.company_id:
                email = plan.document.get("placed_by_email")
                errors.add(plan.document.row("placed_by_email"), "placed_by_email", f"No user '{email}' at {plan.company}.")

    def apply(self, plans: Sequence[OrderPlan], errors: ErrorLog, results: Results) -> None:
        for plan in plans:
            order = plan.existing
            if plan.action != Action.UNCHANGED:
                try:
                    with transaction.atomic():
                        order, _ = order_upsert(actor=self.actor, **plan.arguments)
                except DomainError as exc:
                    self.locate(exc, plan.document, errors)
                    continue
            assert order is not None
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=order.pk
            )
