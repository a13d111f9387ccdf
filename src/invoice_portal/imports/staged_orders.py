"""Staged runs of order and purchase-order imports (SQLite): write new orders hidden, publish them at once, or delete them.

The same design as the invoices' (``imports.bulk.documents_stage``/``documents_publish``; "Imports on SQLite:
staged chunks" in docs/imports.md): each chunk's new orders are written, with their lines, as *staged* orders
of the batch (``Order.import_batch_id`` set), which ``Order.objects`` hides from every reader. They are new
orders nothing has happened to (a database constraint holds them to that), so nothing else can refer to them.
One final transaction shows them all with one statement and writes their audit events (with the business events
they raise) — exactly the ``order.create`` / ``purchase_order.create`` events ``order_upsert`` and
``purchase_order_upsert`` write. A batch that fails deletes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoice_portal.audit.services import audit_record_many
from invoice_portal.core.bulk import rows_insert
from invoice_portal.orders.models import Order, OrderLine
from invoice_portal.orders.services import NewOrder


@transaction.atomic
def orders_stage(*, orders: Sequence[NewOrder], batch_id: int) -> None:
    """Write new orders as staged orders of import batch ``batch_id`` (lines included): hidden from every reader
    (``Order.objects``) and unaudited until ``orders_publish``."""
    if not orders:
        return
    for new in orders:
        new.order.import_batch_id = batch_id
    rows_insert(Order, [new.order for new in orders])
    rows_insert(OrderLine, [line for new in orders for line in new.lines])


def orders_publish(*, actor: Any, orders: Sequence[NewOrder], batch_id: int) -> None:
    """Make the staged orders of batch ``batch_id`` real, inside the caller's (short) transaction: show them all
    with one statement (created now, as far as anyone can tell) and write their audit events in one insert."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("staged orders are published inside one transaction")
    now = timezone.now()
    shown = Order.all_objects.filter(import_batch_id=batch_id).update(import_batch_id=None, created_at=now, updated_at=now)
    if shown != len(orders):
        raise RuntimeError(f"import batch {batch_id}: {shown} staged orders found, {len(orders)} expected")
    for new in orders:
        new.order.import_batch_id = None
        new.order.created_at = new.order.updated_at = now
    audit_record_many([{"actor": actor, "obj": new.order, "action": new.action, "before": None, "after": new.audit} for new in orders])


def orders_discard_staged(batch_id: int) -> int:
    """Delete what batch ``batch_id`` staged and never published (it failed or its process died); returns how many
    orders. Safe: no one could see them, so nothing refers to them but their own lines."""
    staged = Order.all_objects.filter(import_batch_id=batch_id)
    with transaction.atomic():
        OrderLine.objects.filter(order__in=staged.values("pk")).delete()
        _, deleted = staged.delete()
    return deleted.get(Order._meta.label, 0)


def orders_staged_batches() -> set[int]:
    """The batches that have staged orders on disk."""
    return {pk for pk in Order.all_objects.filter(import_batch_id__isnull=False).values_list("import_batch_id", flat=True).distinct() if pk}
