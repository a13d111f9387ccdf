"""The demo's store connection: a local fake BigCommerce store, backfilled through the real sync path.

``store_demo`` starts the fake store (``fake.py``) on 127.0.0.1, connects it, fills it with a handful of
orders — B2B orders of a known company, one of a B2B company not set up here (held), a retail
customer's (skipped), a guest checkout (skipped), one whose totals do not add up (flagged), one
canceled — and runs the same backfill ``invoice-portal store-sync`` runs. The fake stops afterwards,
so on the demo's connection page "Sync now" reports that the store cannot be reached: the real store's
address and credentials go there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from invoice_portal.companies.services import company_create
from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.services import store_connection_create
from invoice_portal.integrations.stores.sync import store_backfill

DEMO_STORE_HASH = "demo42"
WAYNE_B2B_ID = 8801


def store_demo(*, actor: Any) -> dict[str, int]:
    """Create the demo store connection and sync its orders; returns the count per outcome."""
    wayne = company_create(
        actor=actor, name="Wayne Enterprises", external_id=str(WAYNE_B2B_ID), currency="USD", email="ap@wayne.test",
        tax_id="US 13-5551234", address_line1="1007 Mountain Drive", city="Gotham", postal_code="10001", country="US",
    )  # fmt: skip
    fake = FakeStore(store_hash=DEMO_STORE_HASH, access_token="demo-store-token").start()  # noqa: S106 - the demo fake's token
    try:
        fake.add_company(WAYNE_B2B_ID, wayne.name, 501, 502)
        fake.add_company(8802, "Cyberdyne Systems", 503)
        recent = timezone.now() - dt.timedelta(days=2)
        fake.put_order(
            2001,
            customer_id=501,
            items=[("WID-100", "Widget, steel", 40, "12.50"), ("GAD-7", "Gadget kit", 5, "89.00")],
            shipping="25.00",
            tax_rate="8.25",
            modified=recent,
        )
        fake.put_order(
            2002,
            customer_id=502,
            items=[("CAB-2M", "Cable 2 m", 100, "3.20")],
            shipping="12.00",
            tax_rate="8.25",
            discount="20.00",
            modified=recent + dt.timedelta(hours=1),
        )
        fake.put_order(
            2003,
            customer_id=501,
            items=[("WID-100", "Widget, steel", 10, "12.50")],
            status_id=5,
            status="Cancelled",
            modified=recent + dt.timedelta(hours=2),
        )
        fake.put_order(2004, customer_id=503, items=[("SRV-1", "Servo motor", 2, "450.00")], modified=recent + dt.timedelta(hours=3))
        fake.put_order(2005, customer_id=900, items=[("MUG-1", "Coffee mug", 2, "9.00")], modified=recent + dt.timedelta(hours=4))
        fake.put_order(2006, customer_id=0, items=[("MUG-1", "Coffee mug", 1, "9.00")], modified=recent + dt.timedelta(hours=5))
        fake.put_order(
            2007,
            customer_id=502,
            items=[("GAD-7", "Gadget kit", 1, "89.00")],
            total_override="79.00",
            modified=recent + dt.timedelta(hours=6),
        )
        connection = store_connection_create(
            actor=actor, name="Demo web store", store_hash=DEMO_STORE_HASH, access_token=fake.access_token,
            webhook_secret=fake.webhook_secret, app_client_id="demo-storefront-app",
            app_client_secret="demo-storefront-app-secret-0123456789",  # noqa: S106 - the demo's storefront app
            api_base_url=fake.url, b2b_api_base_url=fake.url,
        )  # fmt: skip
        result = store_backfill(connection=connection, connector=store_connector(connection), since=recent - dt.timedelta(days=1))
    finally:
        fake.stop()
    return dict(result.outcomes)
