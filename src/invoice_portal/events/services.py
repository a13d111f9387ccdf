"""Writing events (in the business transaction) and stamping their commit-order positions (after commit).

``event_emit`` is the only writer. Subscribers (the outbound webhooks) register with
``event_subscribe`` at startup and are called in the same transaction, so each of them can
write its own outbox rows atomically with the event; the events app imports none of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from invoice_portal.core.bulk import row_new, rows_insert
from invoice_portal.core.followups import followups_after_commit
from invoice_portal.events.models import Event, EventHead, EventType

EventSubscriber = Callable[[list[Event]], object]
_subscribers: list[EventSubscriber] = []
STAMP_BATCH = 1000


def event_subscribe(subscriber: EventSubscriber) -> None:
    """Have ``subscriber`` called with the events written, inside the transaction that wrote them (idempotent)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def event_emit(*, type: EventType, obj: models.Model, payload: dict[str, Any], company_id: int | None = None) -> Event:
    """Write one business event in the caller's transaction; its position is stamped after commit."""
    return events_emit([EventSpec(type=type, obj=obj, payload=payload, company_id=company_id)])[0]


@dataclass(frozen=True)
class EventSpec:
    type: EventType
    obj: models.Model
    payload: dict[str, Any]
    company_id: int | None = None


def events_emit(specs: list[EventSpec]) -> list[Event]:
    """Write business events in the caller's transaction, in one ``COPY`` (an import issues thousands)."""
    if not specs:
        return []
    events = [
        row_new(
            Event, uid=f"evt_{secrets.token_hex(12)}", type=spec.type, version=1, object_type=spec.obj._meta.label_lower,
            object_id=str(spec.obj.pk), company_id=spec.company_id, payload=spec.payload,
        )
        for spec in specs
    ]  # fmt: skip
    rows_insert(Event, events)
    for subscriber in _subscribers:
        subscriber(events)
    _stamp_after_commit()
    return events


def _stamp_after_commit() -> None:
    """One stamping per transaction, however many events it writes (an import writes thousands).

    With the database task queue (production) it is the transaction's one follow-up task
    (``core.followups``, which runs ``events_stamp_all``). Other backends (the immediate one in
    tests) are handed the stamping task after commit.
    """
    if followups_after_commit():
        return
    connection = transaction.get_connection()
    if not any(func is _enqueue_stamp for _, func, _ in connection.run_on_commit):
        transaction.on_commit(_enqueue_stamp)


def _enqueue_stamp() -> None:
    from invoice_portal.events.tasks import events_stamp_task

    events_stamp_task.enqueue()


def events_stamp(*, limit: int = STAMP_BATCH) -> int:
    """Give committed, unstamped events the next positions, in id order. Returns how many were stamped.

    One stamper at a time (the ``EventHead`` row lock); under READ COMMITTED the query after the
    lock sees every event committed before it, including the stamps of the previous holder.
    """
    with transaction.atomic():
        EventHead.objects.get_or_create(pk=1)
        head = EventHead.objects.select_for_update().get(pk=1)
        pending = list(Event.objects.filter(position__isnull=True).order_by("pk")[:limit])
        if not pending:
            return 0
        for offset, event in enumerate(pending, start=1):
            event.position = head.last_position + offset
        Event.objects.bulk_update(pending, ["position"])
        EventHead.objects.filter(pk=1).update(last_position=head.last_position + len(pending))
    return len(pending)


def events_stamp_all() -> int:
    """Stamp until nothing is left (the feed calls it before reading, so it never waits on the worker)."""
    total = 0
    while stamped := events_stamp():
        total += stamped
    return total
