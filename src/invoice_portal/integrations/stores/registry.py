"""The connector for a store connection (one platform today: BigCommerce)."""

from __future__ import annotations

import time

from invoice_portal.core.encryption import secret_decrypt
from invoice_portal.integrations.bigcommerce.adapter import BigCommerceStore, Sleep
from invoice_portal.integrations.models import StoreConnection
from invoice_portal.integrations.stores.base import StoreConnector, StoreError


def store_connector(connection: StoreConnection, *, sleep: Sleep = time.sleep) -> StoreConnector:
    if connection.platform != "bigcommerce":
        raise StoreError(f"No connector for the platform {connection.platform!r}.", retryable=False)
    return BigCommerceStore(
        store_hash=connection.store_hash, access_token=secret_decrypt(connection.access_token_encrypted),
        webhook_secret=secret_decrypt(connection.webhook_secret_encrypted), api_base=connection.api_base_url,
        signing_secret=secret_decrypt(connection.app_client_secret_encrypted) if connection.app_client_secret_encrypted else "",
        b2b_api_base=connection.b2b_api_base_url, sleep=sleep,
    )  # fmt: skip
