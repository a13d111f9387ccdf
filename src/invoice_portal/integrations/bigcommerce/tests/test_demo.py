from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from invoice_portal.integrations.bigcommerce.demo import demo_fake_store, demo_store_anchor, store_demo
from invoice_portal.integrations.models import StoreConnection, StoreOrderRecord
from invoice_portal.integrations.stores.services import store_sync_now
from invoice_portal.orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_demo_store_is_synced_through_the_backfill(personas: Any, settings: Any) -> None:
    settings.DEMO_STORE_PORT = 8765
    outcomes = store_demo(actor=personas.admin)
    assert outcomes == {"synced": 3, "held": 1, "skipped": 2, "flagged": 1}
    assert Order.objects.filter(source="bigcommerce", is_canceled=True).count() == 1
    assert StoreOrderRecord.objects.get(external_id="2004").reason.startswith("B2B company 8802 (Cyberdyne Systems)")
    connection = StoreConnection.objects.get()
    assert connection.api_base_url == connection.b2b_api_base_url == "http://127.0.0.1:8765"  # where serve-demo runs the fake


def test_the_fake_serve_demo_runs_answers_sync_now_with_the_same_orders(personas: Any) -> None:
    store_demo(actor=personas.admin)
    connection = StoreConnection.objects.get()
    before = list(Order.objects.filter(source="bigcommerce").order_by("pk").values_list("external_id", "total", "status", "updated_at"))
    anchor = demo_store_anchor()
    assert anchor is not None
    fake = demo_fake_store(anchor=anchor).start()  # what `invoice-portal demo-store` serves
    try:
        StoreConnection.objects.filter(pk=connection.pk).update(api_base_url=fake.url, b2b_api_base_url=fake.url)
        connection.refresh_from_db()
        result = store_sync_now(actor=personas.admin, connection=connection, sleep=lambda _s: None)
    finally:
        fake.stop()
    assert result.failed == ""
    assert result.orders > 0
    after = list(Order.objects.filter(source="bigcommerce").order_by("pk").values_list("external_id", "total", "status", "updated_at"))
    assert after == before  # nothing re-synced as an update: same rows, untouched
    assert fake.requests  # it did ask the store


def test_demo_store_needs_the_demo_loaded_first(db: Any) -> None:
    with pytest.raises(CommandError, match="load-demo"):
        call_command("demo_store", port=0)
