"""The demo's store connection: a local fake BigCommerce store, backfilled through the real sync path.

``demo_fake_store`` fills the fake store (``fake.py``) with a handful of orders — B2B orders of a known
company, one of a B2B company not set up here (held), a retail customer's (skipped), a guest checkout
(skipped), one whose totals do not add up (flagged), one canceled — dated from an anchor moment, so the
same orders come out every time for the same anchor. ``store_demo`` (``load-demo``) connects it and runs
the backfill ``invoice-portal store-sync`` runs; the connection then points at
``http://127.0.0.1:DEMO_STORE_PORT``, where ``scripts/serve-demo`` keeps the same fake running
(``invoice-portal demo-store``, anchored at the connection's creation), so "Sync now" works in the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from invoice_portal.companies.services import company_create
from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.conf import int_setting
from invoice_portal.integrations.models import StoreConnection
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.services import store_connection_create
from invoice_portal.integrations.stores.sync import store_backfill

DEMO_STORE_HASH = "demo42"
DEMO_STORE_TOKEN = "demo-store-token"  # noqa: S105 - the demo fake's token
WAYNE_B2B_ID = 8801


def demo_store_port() -> int:
    """Where ``scripts/serve-demo`` runs the demo's fake store (``DEMO_STORE_PORT``, 8001 unless set)."""
    return int_setting("DEMO_STORE_PORT", 8001)


def demo_fake_store(*, anchor: dt.datetime) -> FakeStore:
    """The demo store's companies and orders (not started), modified in the two days before ``anchor``."""
    fake = FakeStore(store_hash=DEMO_STORE_HASH, access_token=DEMO_STORE_TOKEN)
    fake.add_company(WAYNE_B2B_ID, "Wayne Enterprises", 501, 502)
    fake.add_company(8802, "Cyberdyne Systems", 503)
    recent = anchor - dt.timedelta(days=2)
    fake.put_order(
        2001, customer_id=501, items=[("WID-100", "Widget, steel", 40, "12.50"), ("GAD-7", "Gadget kit", 5, "89.00")],
        shipping="25.00", tax_rate="8.25", modified=recent,
    )  # fmt: skip
    fake.put_order(
        2002, customer_id=502, items=[("CAB-2M", "Cable 2 m", 100, "3.20")], shipping="12.00", tax_rate="8.25", discount="20.00",
        modified=recent + dt.timedelta(hours=1),
    )  # fmt: skip
    fake.put_order(
        2003, customer_id=501, items=[("WID-100", "Widget, steel", 10, "12.50")], status_id=5, status="Cancelled",
        modified=recent + dt.timedelta(hours=2),
    )  # fmt: skip
    fake.put_order(2004, customer_id=503, items=[("SRV-1", "Servo motor", 2, "450.00")], modified=recent + dt.timedelta(hours=3))
    fake.put_order(2005, customer_id=900, items=[("MUG-1", "Coffee mug", 2, "9.00")], modified=recent + dt.timedelta(hours=4))
    fake.put_order(2006, customer_id=0, items=[("MUG-1", "Coffee mug", 1, "9.00")], modified=recent + dt.timedelta(hours=5))
    fake.put_order(
        2007, customer_id=502, items=[("GAD-7", "Gadget kit", 1, "89.00")], total_override="79.00",
        modified=recent + dt.timedelta(hours=6),
    )  # fmt: skip
    return fake


def demo_store_anchor() -> dt.datetime | None:
    """The moment the demo store's orders are dated from: its connection's creation (None before ``load-demo``)."""
    connection = StoreConnection.objects.filter(platform="bigcommerce", store_hash=DEMO_STORE_HASH).first()
    return connection.created_at if connection else None


def store_demo(*, actor: Any) -> dict[str, int]:
    """Create the demo store connection and sync its orders; returns the count per outcome."""
    company_create(
        actor=actor, name="Wayne Enterprises", external_id=str(WAYNE_B2B_ID), currency="USD", email="ap@wayne.test",
        tax_id="US 13-5551234", address_line1="1007 Mountain Drive", city="Gotham", postal_code="10001", country="US",
    )  # fmt: skip
    anchor = timezone.now()
    fake = demo_fake_store(anchor=anchor).start()
    try:
        connection = store_connection_create(
            actor=actor, name="Demo web store", store_hash=DEMO_STORE_HASH, access_token=fake.access_token,
            webhook_secret=fake.webhook_secret, app_client_id="demo-storefront-app",
            app_client_secret="demo-storefront-app-secret-0123456789",  # noqa: S106 - the demo's storefront app
            api_base_url=fake.url, b2b_api_base_url=fake.url,
        )  # fmt: skip
        StoreConnection.objects.filter(pk=connection.pk).update(created_at=anchor)
        result = store_backfill(connection=connection, connector=store_connector(connection), since=anchor - dt.timedelta(days=4))
    finally:
        fake.stop()
    # From now on the connection talks to the fake that serve-demo keeps running: the same orders, the same dates.
    served = f"http://127.0.0.1:{demo_store_port()}"
    StoreConnection.objects.filter(pk=connection.pk).update(api_base_url=served, b2b_api_base_url=served)
    return dict(result.outcomes)
