from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from invoice_portal.integrations.bigcommerce.fake import FakeStore


@pytest.fixture
def fake_store() -> Iterator[FakeStore]:
    fake = FakeStore().start()
    yield fake
    fake.stop()


@pytest.fixture
def connection(db: Any, fake_store: FakeStore) -> Any:
    from invoice_portal.integrations.stores.services import store_connection_create

    fake_store.client_secret = "portal-app-secret-0123456789-abcdef"  # signs the Standard Webhooks deliveries
    return store_connection_create(
        actor=None, name="Demo store", store_hash=fake_store.store_hash, access_token=fake_store.access_token,
        webhook_secret=fake_store.webhook_secret, app_client_id="portal-app-client-id",
        app_client_secret="portal-app-secret-0123456789-abcdef",
        api_base_url=fake_store.url, b2b_api_base_url=fake_store.url,
    )  # fmt: skip
