"""Importing purchase orders from the ERP: each goes through ``payables.services.purchase_order_upsert``.

A new purchase order is prepared while planning (``purchase_order_prepare``: every rule of the upsert), so the
validating pass reports what the service would refuse. On SQLite new ones are staged (``kinds.order_staging``).
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
from invoice_portal.core.money import check_currency
from invoice_portal.imports.errors import CellError, ErrorLog
from invoice_portal.imports.kinds.base import Action, Document, Results, parse_date
from invoice_portal.imports.kinds.order_staging import OrderStaging
from invoice_portal.imports.models import ImportKind
from invoice_portal.imports.reader import Group, Row
from invoice_portal.orders.models import Direction, Order, OrderLine
from invoice_portal.orders.services import NewOrder
from invoice_portal.payables.services import purchase_order_upsert
from invoice_portal.payables.services.purchase_orders import parse_po_lines, purchase_order_prepare

_LINE_COLUMNS = ("sku", "description", "quantity", "unit_code", "unit_price", "tax_category", "tax_rate")
_DECIMALS = ("quantity", "unit_price", "tax_rate")


@dataclass
class PurchaseOrderPlan:
    document: Document
    action: Action
    existing: Order | None
    arguments: dict[str, Any] = field(default_factory=dict)
    new: NewOrder | None = None  # created: checked and computed, waiting to be written (staged runs)


def _raw_line(row: Row) -> dict[str, Any]:
    return {c: row.get(c) for c in _LINE_COLUMNS if row.get(c)}


def _signature(line: dict[str, Any] | OrderLine) -> tuple[Any, ...]:
    values = line if isinstance(line, dict) else {c: getattr(line, c) for c in _LINE_COLUMNS}
    return tuple(Decimal(values[c]).normalize() if c in _DECIMALS else values[c] for c in _LINE_COLUMNS)


class PurchaseOrderKind(OrderStaging):
    kind = ImportKind.PURCHASE_ORDERS
    label = "purchase order"
    field_columns = {f"lines.{c}": c for c in _LINE_COLUMNS} | {"supplier": "supplier_external_id", "number": "po_number",
                                                                 "requester": "requester_email"}  # fmt: skip

    def key(self, row: Row) -> tuple[str, ...]:
        return (row.get("source") or "erp", row.get("external_id"))

    def plan(self, groups: Sequence[Group], errors: ErrorLog) -> list[PurchaseOrderPlan]:
        documents = [d for g in groups if (d := self.document(g, errors)) is not None]
        suppliers = {c.external_id: c for c in Company.objects.filter(external_id__in={d.get("supplier_external_id") for d in documents})}
        emails = {d.get("requester_email").lower() for d in documents if d.get("requester_email")}
        users = {u.email: u for u in User.objects.filter(email__in=emails, company__isnull=True)} if emails else {}
        keys = Q(pk__in=[])
        for source in {d.get("source") or "erp" for d in documents}:
            keys |= Q(source=source, external_id__in=[d.external_id for d in documents if (d.get("source") or "erp") == source])
        existing = {(o.source, o.external_id): o for o in Order.objects.filter(keys).prefetch_related("lines")}
        plans = []
        for document in documents:
            try:
                plan = self._plan_one(document, suppliers, users, existing, errors)
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
        self, document: Document, suppliers: dict[str | None, Company], users: dict[str, User],
        existing: dict[tuple[str, str], Order], errors: ErrorLog,
    ) -> PurchaseOrderPlan | None:  # fmt: skip
        supplier = suppliers.get(document.get("supplier_external_id"))
        if supplier is None or not supplier.is_supplier:
            column = "supplier_external_id"
            errors.add(document.row(column), column, f"No supplier with external id '{document.get(column)}'.")
            return None
        requester = None
        if email := document.get("requester_email").lower():
            requester = users.get(email)
            if requester is None:
                errors.add(document.row("requester_email"), "requester_email", f"No staff member '{email}'.")
                return None
        lines = [_raw_line(row) for row in document.group.rows]
        parsed = parse_po_lines(lines)  # the service's own line rules; errors located on the line's row
        source = document.get("source") or "erp"
        current = existing.get((source, document.external_id))
        if current is not None and current.direction != Direction.PURCHASE:
            raise ValidationFailed(f"external_id: '{document.external_id}' is a sales order.", field="external_id")
        arguments: dict[str, Any] = {
            "source": source, "external_id": document.external_id, "supplier": supplier, "lines": lines,
            "number": document.get("po_number") or (current.po_number if current else ""),
            "currency": check_currency(document.get("currency") or supplier.currency),
            "order_date": parse_date(document.get("order_date"), "order_date"), "requester": requester,
            "no_invoice_expected": document.get("no_invoice_expected") == "true",
        }  # fmt: skip
        if current is None:
            return PurchaseOrderPlan(document, Action.CREATED, None, arguments, new=purchase_order_prepare(**arguments))
        changed = (
            [_signature(p) for p in parsed] != [_signature(ln) for ln in sorted(current.lines.all(), key=lambda ln: ln.line_no)]
            or arguments["number"] != current.po_number
            or arguments["no_invoice_expected"] != current.no_invoice_expected
            or (requester is not None and requester.pk != current.requester_id)
            or (arguments["order_date"] is not None and arguments["order_date"] != current.order_date)
        )
        return PurchaseOrderPlan(document, Action.UPDATED if changed else Action.UNCHANGED, current, arguments)

    def recheck(self, staged: Sequence[PurchaseOrderPlan], errors: ErrorLog) -> None:
        """A supplier may have lost its supplier role, a requester left the staff, since their order was staged."""
        orders = [p.new.order for p in staged if p.new is not None]
        suppliers = set(Company.objects.filter(pk__in={o.company_id for o in orders}, is_supplier=True).values_list("pk", flat=True))
        requesters = {o.requester_id for o in orders if o.requester_id is not None}
        staff = set(User.objects.filter(pk__in=requesters, company__isnull=True, is_active=True).values_list("pk", flat=True))
        for plan, order in zip(staged, orders, strict=True):
            if order.company_id not in suppliers:
                column = "supplier_external_id"
                errors.add(plan.document.row(column), column, f"No supplier with external id '{plan.document.get(column)}'.")
            if order.requester_id is not None and order.requester_id not in staff:
                column = "requester_email"
                errors.add(plan.document.row(column), column, f"No staff member '{plan.document.get(column).lower()}'.")

    def apply(self, plans: Sequence[PurchaseOrderPlan], errors: ErrorLog, results: Results) -> None:
        for plan in plans:
            order = plan.existing
            if plan.action != Action.UNCHANGED:
                try:
                    with transaction.atomic():
                        order, _ = purchase_order_upsert(actor=self.actor, **plan.arguments)
                except DomainError as exc:
                    self.locate(exc, plan.document, errors)
                    continue
            assert order is not None
            results.record(
                rows=plan.document.group.row_numbers, external_id=plan.document.external_id, action=plan.action, object_id=order.pk
            )
