"""The store connection page: Admin only, connect, status and errors, Sync now, pause."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.models import StoreConnection, StoreConnectionStatus, StoreOrderRecord
from invoice_portal.orders.models import Order

pytestmark = pytest.mark.django_db


def test_admin_connects_a_store_and_sees_its_webhook_address(client: Client, personas: Any, fake_store: FakeStore, settings: Any) -> None:
    settings.BIGCOMMERCE_API_BASE = fake_store.url
    client.force_login(personas.admin)
    response = client.post(
        "/seller/store/",
        {"name": "Main store", "store_hash": "abc123", "access_token": "fake-token", "webhook_secret": fake_store.webhook_secret},
    )
    assert response.status_code == 302
    connection = StoreConnection.objects.get()
    assert connection.api_base_url == fake_store.url
    page = client.get("/seller/store/").content.decode()
    assert f"/integrations/bigcommerce/{connection.pk}/webhook/" in page
    assert "fake-token" not in page


def test_a_bad_store_hash_is_a_form_error(client: Client, personas: Any) -> None:
    client.force_login(personas.admin)
    response = client.post("/seller/store/", {"name": "x", "store_hash": "../etc", "access_token": "t", "webhook_secret": "s"})
    assert response.status_code == 200
    assert "store hash from the API path" in response.content.decode()
    assert not StoreConnection.objects.exists()


def test_sync_now_retries_held_orders_and_fetches_recent_ones(
    client: Client, personas: Any, connection: StoreConnection, fake_store: FakeStore
) -> None:
    from invoice_portal.testing import make_company

    fake_store.add_company(77, "Initech", 12)
    fake_store.put_order(
        201, customer_id=12, items=[("SKU-1", "Widget", 1, "10.00")], modified=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    client.force_login(personas.admin)
    client.post(f"/seller/store/{connection.pk}/sync")
    assert StoreOrderRecord.objects.get(external_id="201").outcome == "held"
    assert "Initech" in client.get("/seller/store/").content.decode()
    make_company(name="Initech", external_id="77")
    client.post(f"/seller/store/{connection.pk}/sync")
    assert Order.objects.filter(external_id="201").exists()


def test_a_failing_store_shows_its_error(client: Client, personas: Any, connection: StoreConnection, fake_store: FakeStore) -> None:
    fake_store.access_token = "rotated"
    client.force_login(personas.admin)
    client.post(f"/seller/store/{connection.pk}/sync")
    connection.refresh_from_db()
    assert connection.status == StoreConnectionStatus.FAILING
    assert "refused the access token" in client.get("/seller/store/").content.decode()


@pytest.mark.parametrize("who", ["finance", "sales", "alice", "charlie"])
def test_only_integrations_managers_may_sync_or_pause(client: Client, personas: Any, connection: StoreConnection, who: str) -> None:
    client.force_login(getattr(personas, who))
    assert client.post(f"/seller/store/{connection.pk}/sync").status_code == 403
    assert client.post(f"/seller/store/{connection.pk}/pause").status_code == 403
    assert client.get("/seller/store/").status_code == 403


def test_a_paused_connection_records_deliveries_without_syncing(
    client: Client, personas: Any, connection: StoreConnection, fake_store: FakeStore
) -> None:
    client.force_login(personas.admin)
    client.post(f"/seller/store/{connection.pk}/pause")
    connection.refresh_from_db()
    assert connection.status == StoreConnectionStatus.PAUSED
    body, headers = fake_store.webhook(5)
    response = client.post(f"/integrations/bigcommerce/{connection.pk}/webhook/", body, content_type="application/json", headers=headers)
    assert response.json()["status"] == "ignored"
