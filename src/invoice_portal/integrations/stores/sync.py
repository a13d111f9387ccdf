"""Store orders into portal orders: the one path webhooks, "Sync now" and the backfill all take.

``store_order_sync`` fetches the order as the store has it now, decides what it is (a B2B order of a
company we know, a guest or non-B2B order to skip, a B2B order of a company not set up here to hold,
an order whose figures do not add up to flag) and upserts it through ``orders.services`` — which raises
the updated/canceled flags when an invoiced order changes. The store's ``date_modified`` is kept per
order (``StoreOrderRecord``) under a row lock, so an older version fetched late never overwrites a newer one.

Unknown B2B companies are **held for review**, not created: a company is a billing relationship
(terms, currency, tax id) someone here must set up. The hold says which external id to give the
company; "Sync now" then picks the order up.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.integrations.models import (
    StoreConnection,
    StoreConnectionStatus,
    StoreCustomerLink,
    StoreOrderOutcome,
    StoreOrderRecord,
)
from invoice_portal.integrations.stores.base import StoreCompany, StoreConnector, StoreOrder
from invoice_portal.integrations.stores.money import order_check
from invoice_portal.orders.models import OrderSource
from invoice_portal.orders.services import order_cancel, order_flag_unapplied_change, order_upsert

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    external_id: str
    outcome: str
    reason: str = ""
    order_id: int | None = None


def _actor(connection: StoreConnection) -> str:
    return f"store {connection.name}"


def _record_for_update(connection: StoreConnection, external_id: str) -> StoreOrderRecord:
    record = StoreOrderRecord.objects.select_for_update().filter(connection=connection, external_id=external_id).first()
    if record is not None:
        return record
    try:
        with transaction.atomic():
            return StoreOrderRecord.objects.create(connection=connection, external_id=external_id, outcome=StoreOrderOutcome.HELD)
    except IntegrityError:
        # Another worker syncing the same order created it first: wait for its lock and go on from its result.
        return StoreOrderRecord.objects.select_for_update().get(connection=connection, external_id=external_id)


def store_order_sync(*, connection: StoreConnection, connector: StoreConnector, order_id: str) -> SyncResult:
    """Bring one store order into the portal (or record why not). Network calls happen before the transaction."""
    order = connector.fetch_order(order_id)
    company = connector.customer_company(order.customer_id) if order.customer_id else None
    result = _apply(connection=connection, order=order, company=company)
    log = logger.info if result.outcome in (StoreOrderOutcome.SYNCED, StoreOrderOutcome.STALE) else logger.warning
    log("store %s order %s: %s %s", connection.store_hash, order.external_id, result.outcome, result.reason)
    return result


@transaction.atomic
def _apply(*, connection: StoreConnection, order: StoreOrder, company: StoreCompany | None) -> SyncResult:
    record = _record_for_update(connection, order.external_id)
    if record.date_modified is not None and order.date_modified < record.date_modified:
        return SyncResult(
            order.external_id,
            StoreOrderOutcome.STALE,
            f"version of {order.date_modified:%Y-%m-%d %H:%M:%S} is older than the one seen ({record.date_modified:%Y-%m-%d %H:%M:%S})",
            record.order_id,
        )
    outcome, reason, stored = _decide(connection, order, company)
    record.date_modified = order.date_modified
    record.outcome, record.reason = outcome, reason[:500]
    record.store_company_id = company.company_id if company else ""
    if stored is not None:
        record.order_id = stored
    elif outcome == StoreOrderOutcome.FLAGGED and record.order is not None:
        # A stored order whose new version cannot be stored: if it was billed, the order dashboard shows it too.
        order_flag_unapplied_change(actor=_actor(connection), order=record.order, reason=reason)
    record.save()
    StoreConnection.objects.filter(pk=connection.pk).update(last_synced_at=timezone.now())
    StoreConnection.objects.filter(pk=connection.pk, status=StoreConnectionStatus.FAILING).update(status=StoreConnectionStatus.ACTIVE)
    return SyncResult(order.external_id, outcome, reason, record.order_id)


def _decide(connection: StoreConnection, order: StoreOrder, company: StoreCompany | None) -> tuple[str, str, int | None]:
    if not order.customer_id:
        return StoreOrderOutcome.SKIPPED, "guest checkout: no store customer, so no B2B company", None
    if company is None:
        return StoreOrderOutcome.SKIPPED, f"customer {order.customer_id} belongs to no B2B company (B2B orders only)", None
    ours = Company.objects.filter(external_id=company.company_id).first()
    if ours is None:
        return (
            StoreOrderOutcome.HELD,
            f"B2B company {company.company_id} ({company.name}) is not a customer here: create it with external id "
            f"{company.company_id}, then Sync now",
            None,
        )
    checked = order_check(order)
    if checked.problems:
        return StoreOrderOutcome.FLAGGED, "totals do not add up: " + " ".join(checked.problems), None
    link = (
        StoreCustomerLink.objects.filter(connection=connection, customer_id=order.customer_id, user__company=ours)
        .select_related("user")
        .first()
    )
    try:
        with transaction.atomic():
            stored, _ = order_upsert(
                actor=_actor(connection), source=OrderSource.BIGCOMMERCE, external_id=order.external_id, company=ours,
                lines=checked.lines, currency=order.currency, order_date=order.date_created.date(), status=order.status[:50],
                placed_by=link.user if link else None, po_number=order.po_number[:100],
            )  # fmt: skip
            if order.is_canceled:
                order_cancel(actor=_actor(connection), order=stored, status=order.status[:50])
    except DomainError as exc:
        return StoreOrderOutcome.FLAGGED, f"cannot be stored: {exc.message}", None
    detail = "canceled in the store" if order.is_canceled else f"{len(checked.lines)} lines, total {order.total_inc_tax} {order.currency}"
    return StoreOrderOutcome.SYNCED, detail, stored.pk


def connection_note_error(connection: StoreConnection, message: str) -> None:
    """Shown on the connection page until a later sync succeeds; a paused connection stays paused."""
    StoreConnection.objects.filter(pk=connection.pk).update(last_error=message[:500], last_error_at=timezone.now())
    StoreConnection.objects.filter(pk=connection.pk, status=StoreConnectionStatus.ACTIVE).update(status=StoreConnectionStatus.FAILING)


@dataclass
class BackfillProgress:
    total: int | None = None
    done: int = 0
    page: int = 1
    outcomes: dict[str, int] = field(default_factory=dict)


Progress = Callable[[BackfillProgress], None]


def store_backfill(
    *, connection: StoreConnection, connector: StoreConnector, since: dt.datetime, progress: Progress | None = None, restart: bool = False
) -> BackfillProgress:
    """Page through the store's orders modified since ``since`` and sync each, resumably.

    After every page the next page number is saved on the connection; a run with the same ``since``
    starts where the last one stopped (``restart`` starts over). Orders synced twice are harmless.
    """
    cursor = connection.backfill_cursor or {}
    state = BackfillProgress()
    if not restart and cursor.get("since") == since.isoformat() and not cursor.get("finished"):
        state.page, state.done = int(cursor.get("page", 1)), int(cursor.get("done", 0))
    while True:
        page = connector.list_orders(since=since, page=state.page)
        if page.total is not None:
            state.total = page.total
        for order_id in page.order_ids:
            outcome = store_order_sync(connection=connection, connector=connector, order_id=order_id).outcome
            state.outcomes[outcome] = state.outcomes.get(outcome, 0) + 1
            state.done += 1
            if progress:
                progress(state)
        state.page += 1
        finished = not page.has_more
        connection.backfill_cursor = {"since": since.isoformat(), "page": state.page, "done": state.done, "finished": finished}
        StoreConnection.objects.filter(pk=connection.pk).update(backfill_cursor=connection.backfill_cursor)
        if finished:
            return state
