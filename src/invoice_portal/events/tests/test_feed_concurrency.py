"""On PostgreSQL: a reader following the cursor never misses an event, whatever order writers commit in.

Payments on account are the writers here: they lock no shared row (issuing invoices would queue on
the document-seal chain and commit in id order anyway). Ids are drawn at insert time, so an event
written early by a long transaction has a smaller id than one written later by a short transaction
that commits first. A reader paging by id would
have stepped past it; positions are stamped only onto committed rows, so it is not skipped.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from invoice_portal.core.settings_store import portal_settings
from invoice_portal.events.models import Event
from invoice_portal.events.selectors import events_after, last_position
from invoice_portal.events.services import events_stamp_all
from invoice_portal.notifications.selectors import notification_settings
from invoice_portal.testing import make_company, pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _singletons() -> None:
    """The settings rows a payment reads are created on first use; made here, so no writer waits on another's insert."""
    notification_settings()
    portal_settings()
    events_stamp_all()


def _follow(cursor: int) -> tuple[list[int], int]:
    """What a feed reader does: stamp, then read everything up to the stamped ceiling."""
    events_stamp_all()
    ceiling = last_position()
    seen = list(events_after(cursor).filter(position__lte=ceiling).values_list("pk", flat=True))
    return seen, max(cursor, ceiling)


def test_an_event_committed_after_a_later_one_is_not_skipped_by_the_reader() -> None:
    company = make_company()
    slow_inserted, release = threading.Event(), threading.Event()
    slow_id: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                pay(company=company, invoices=[], amount="5.00")
                slow_id.append(Event.objects.order_by("-pk").values_list("pk", flat=True)[0])
                slow_inserted.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert slow_inserted.wait(timeout=30)
    pay(company=company, invoices=[], amount="5.00")  # a later id, committed first
    seen, cursor = _follow(0)
    release.set()
    writer.join(timeout=30)
    more, cursor = _follow(cursor)
    assert slow_id
    assert slow_id[0] not in seen, "the open transaction's event was not visible yet"
    assert slow_id[0] < max(seen), "a reader paging by id would now be past it"
    assert slow_id[0] in more, "and the reader gets it after it commits, past its cursor"
    assert sorted(seen + more) == sorted(Event.objects.values_list("pk", flat=True))


def test_concurrent_writers_and_a_polling_reader_see_every_event_exactly_once() -> None:
    company = make_company()
    writers, per_writer = 6, 8
    done = threading.Event()
    start = threading.Barrier(writers + 1)

    def write(n: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(per_writer):
                with transaction.atomic():
                    pay(company=company, invoices=[], amount="5.00")
                    if (n + i) % 3 == 0:
                        time.sleep(0.02)  # hold the transaction open: later ids commit before this one
        finally:
            connection.close()

    seen: list[int] = []

    def read() -> None:
        try:
            cursor = 0
            start.wait(timeout=30)
            while not done.is_set():
                batch, cursor = _follow(cursor)
                seen.extend(batch)
            batch, cursor = _follow(cursor)
            seen.extend(batch)
        finally:
            connection.close()

    pool = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=60)
    assert not reader.is_alive()
    assert not any(t.is_alive() for t in pool)
    everything = list(Event.objects.values_list("pk", flat=True))
    assert len(everything) == writers * per_writer
    assert len(seen) == len(set(seen)), "no event twice"
    assert sorted(seen) == sorted(everything), "no event missed"
    positions = list(Event.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, len(everything) + 1)), "positions are gapless"
