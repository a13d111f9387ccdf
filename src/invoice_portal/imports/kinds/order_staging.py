"""Staged runs (SQLite) of the kinds whose new documents are orders: sales orders and purchase orders.

Each chunk's new orders are written hidden (``imports.staged_orders.orders_stage``); updates of existing
orders are only planned. The publishing transaction re-checks what another writer may have changed
meanwhile (``recheck``), shows the staged orders and audits them in a few statements, and applies the
updates through the services, as ``apply`` does. See "Imports on SQLite: staged chunks" in docs/imports.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction

from invoice_portal.imports.errors import ErrorLog
from invoice_portal.imports.kinds.base import BatchKind, Results
from invoice_portal.imports.staged_orders import orders_publish, orders_stage


class OrderStaging(BatchKind):
    """``stage``/``publish`` for kinds whose plans carry ``new`` (a ``NewOrder`` to create) or an update for ``apply``."""

    can_stage = True

    def __init__(self, *, actor: Any) -> None:
        super().__init__(actor=actor)
        self._plans: list[Any] = []  # every plan staged so far, in file order

    def recheck(self, staged: Sequence[Any], errors: ErrorLog) -> None:
        """Record an error for each staged plan that what another writer changed since its chunk makes invalid."""

    def stage(self, plans: Sequence[Any], errors: ErrorLog, batch_id: int) -> None:
        """One chunk of a staged run, in its own short transaction: new orders written hidden, updates kept for ``publish``."""
        new = [p for p in plans if p.new is not None]
        if new:
            try:
                with transaction.atomic():
                    orders_stage(orders=[p.new for p in new], batch_id=batch_id)
            except IntegrityError:
                # Only a concurrent writer of the same (source, external_id) gets here: planning, in this transaction, saw none.
                for p in new:
                    message = "The database changed while this batch ran (a concurrent import?); import the file again."
                    errors.add(p.document.group.first, "external_id", message)
                return
        self._plans.extend(plans)

    def publish(self, errors: ErrorLog, results: Results, batch_id: int) -> None:
        """The final transaction of a staged run: re-check, show and audit the staged orders, apply the updates."""
        staged = [p for p in self._plans if p.new is not None]
        self.recheck(staged, errors)
        if errors:
            return
        orders_publish(actor=self.actor, orders=[p.new for p in staged], batch_id=batch_id)
        for plan in self._plans:
            if plan.new is None:
                self.apply([plan], errors, results)
                continue
            rows, external_id = plan.document.group.row_numbers, plan.document.external_id
            results.record(rows=rows, external_id=external_id, action=plan.action, object_id=plan.new.order.pk)
