"""Store deliveries racing on PostgreSQL: one order, one record, one processing per delivery, never an older version last."""

from __future__ import annotations

import datetime as dt

import pytest

from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.models import EventOutcome, GatewayEvent, StoreConnection, StoreOrderRecord
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.services import store_delivery_process, store_webhook_receive
from invoice_portal.integrations.stores.sync import store_order_sync
from invoice_portal.orders.models import Order
from invoice_portal.testing import at_once, make_company

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_order_synced_by_four_workers_at_once_is_stored_once(connection: StoreConnection, fake_store: FakeStore) -> None:
    fake_store.add_company(42, "ACME Corp", 7)
    make_company(name="ACME Corp", external_id="42")
    fake_store.put_order(301, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")])
    results = at_once(
        [lambda: store_order_sync(connection=connection, connector=store_connector(connection), order_id="301") for _ in range(4)]
    )
    assert all(not isinstance(r, Exception) for r in results), results
    assert Order.objects.filter(external_id="301").count() == 1
    assert StoreOrderRecord.objects.filter(external_id="301").count() == 1


def test_two_copies_of_a_delivery_at_once_are_recorded_and_processed_once(connection: StoreConnection, fake_store: FakeStore) -> None:
    fake_store.add_company(42, "ACME Corp", 7)
    make_company(name="ACME Corp", external_id="42")
    fake_store.put_order(302, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], modified=dt.datetime(2026, 11, 9, tzinfo=dt.UTC))
    body, headers = fake_store.webhook(302)
    outcomes = at_once([lambda: store_webhook_receive(connection_id=connection.pk, body=body, headers=headers).outcome for _ in range(2)])
    assert sorted(outcomes) == sorted([EventOutcome.DEFERRED, "duplicate"])  # recorded once; processing comes after the commit
    event = GatewayEvent.objects.get()
    assert event.deliveries == 2
    # The task already ran after the commit (inline in the tests); a second worker finds nothing to claim.
    assert store_delivery_process(event_id=event.pk) == "not waiting"
    assert Order.objects.filter(external_id="302").count() == 1
