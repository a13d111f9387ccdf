"""The connector pages in a real browser (Playwright driving the system's Chromium against a live server).

Admin's store connection page: "Sync now" against the local fake store fetches the store's orders; the
webhook endpoints page: add an endpoint, see a delivery in its log, retry a failed one. Screenshots at
1366 and 390 px go to ``var/screenshots/`` (``SCREENSHOT_DIR`` overrides).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from invoice_portal.accounts.services import roles_ensure_builtin
from invoice_portal.browser_testing import launched_chromium, layout_problems_at_each_size, requires_chromium, signed_in_pages
from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.models import StoreOrderRecord
from invoice_portal.integrations.stores.services import store_connection_create
from invoice_portal.orders.models import Order
from invoice_portal.testing import Personas, make_company, make_invoice, make_personas
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import RETRY_WINDOW, delivery_attempt
from invoice_portal.webhooks.tests.receiver import receiver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]
SHOTS = Path(settings.PROJECT_DIR) / "var" / "screenshots"


def layout(page: Any, name: str) -> list[str]:
    return layout_problems_at_each_size(page, name=name, shots=SHOTS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def personas(browser: Any, transactional_db: Any) -> Personas:
    roles_ensure_builtin()
    return make_personas()


@pytest.fixture
def open_as(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    with signed_in_pages(browser, live_server.url, timeout_ms=20_000, ignore_console=lambda text: "favicon" in text) as open_page:
        yield open_page


@pytest.fixture
def fake_store() -> Iterator[FakeStore]:
    fake = FakeStore(store_hash="shop77").start()
    yield fake
    fake.stop()


def test_admin_syncs_the_store_now_and_sees_what_came_in(personas: Personas, open_as: Callable[[Any], Any], fake_store: FakeStore) -> None:
    make_company(name="Wayne Enterprises", external_id="8801")
    fake_store.add_company(8801, "Wayne Enterprises", 501)
    now = dt.datetime.now(dt.UTC)
    fake_store.put_order(3001, customer_id=501, items=[("WID-100", "Widget", 4, "12.50")], tax_rate="10", modified=now)
    fake_store.put_order(3002, customer_id=900, items=[("MUG-1", "Mug", 1, "9.00")], modified=now)  # not B2B: skipped
    store_connection_create(
        actor=personas.admin, name="Web store", store_hash=fake_store.store_hash, access_token=fake_store.access_token,
        webhook_secret=fake_store.webhook_secret, api_base_url=fake_store.url, b2b_api_base_url=fake_store.url,
    )  # fmt: skip

    page = open_as(personas.admin)
    page.goto("/seller/store/")
    expect(page.locator("h1")).to_have_text("Store connection")
    expect(page.get_by_text("X-Portal-Webhook-Secret")).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator(".alert, [role=status]").first).to_contain_text("Sync of Web store started")
    expect(page.locator("dl.facts")).to_contain_text("1 synced")
    expect(page.get_by_role("cell", name="3002")).to_be_visible()  # the skipped order, with its reason
    expect(page.get_by_text("belongs to no B2B company")).to_be_visible()
    assert Order.objects.get(source="bigcommerce", external_id="3001").total == 55
    assert StoreOrderRecord.objects.get(external_id="3002").outcome == "skipped"
    assert any("/v2/orders/3001/products" in p for p in fake_store.requests)
    assert layout(page, "store-connection") == []


def test_admin_adds_an_endpoint_sees_the_delivery_and_retries_a_failed_one(personas: Personas, open_as: Callable[[Any], Any]) -> None:
    with receiver() as inbox:
        page = open_as(personas.admin)
        page.goto("/seller/settings/webhooks/")
        page.get_by_label("URL").fill(inbox.url)
        page.get_by_label("Description").fill("ERP")
        page.get_by_label("Invoice issued").check()
        page.get_by_role("button", name="Add endpoint").click()
        expect(page.locator("h1")).to_contain_text(inbox.url)
        endpoint = WebhookEndpoint.objects.get()

        inbox.status = 500  # the receiver is down for the first event
        make_invoice(company=personas.acme)  # invoice.issued: delivered by the worker after commit (tried once here)
        page.reload()
        log = page.locator("section[aria-labelledby=log]")
        expect(log.get_by_text("invoice.issued")).to_be_visible()
        expect(log.get_by_role("cell", name="500")).to_be_visible()
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert delivery.status == DeliveryStatus.PENDING
        # Three days later it is still failing: marked failed.
        delivery_attempt(delivery_id=delivery.pk, now=delivery.window_start + RETRY_WINDOW + dt.timedelta(minutes=1))
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED

        inbox.status = 200  # back up: Admin retries
        page.reload()
        log.get_by_role("link", name=str(delivery.pk)).click()
        expect(page.locator("h1")).to_contain_text("Failed")
        assert layout(page, "webhook-delivery-failed") == []
        page.get_by_role("button", name="Retry now").click()
        # Three days of failures switched the endpoint off: the retry waits until Admin switches it on again.
        expect(page.locator("h1")).to_contain_text("Pending")
        expect(page.get_by_text("sent once the endpoint is switched on again")).to_be_visible()
        page.get_by_role("link", name=f"← {inbox.url}").click()
        expect(page.get_by_role("alert")).to_contain_text("every delivery failed for 3 days")
        page.get_by_label("Enabled").check()
        page.get_by_role("button", name="Save").click()
        log = page.locator("section[aria-labelledby=log]")
        expect(log.locator("tbody .badge")).to_have_text("Delivered")
        expect(log.get_by_role("cell", name="200")).to_be_visible()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        assert len(inbox.requests) == 3
        assert inbox.requests[-1].headers["webhook-id"] == delivery.event.uid  # a retry is the same message
        assert layout(page, "webhook-endpoint") == []
