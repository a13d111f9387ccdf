"""The BigCommerce connector against the local fake store: webhooks in, orders fetched, B2B only, money checked."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from invoice_portal.core.encryption import secret_decrypt
from invoice_portal.integrations.bigcommerce.fake import FakeStore
from invoice_portal.integrations.models import EventOutcome, GatewayEvent, StoreConnection, StoreOrderOutcome, StoreOrderRecord
from invoice_portal.integrations.stores.base import StoreError
from invoice_portal.integrations.stores.registry import store_connector
from invoice_portal.integrations.stores.sync import store_order_sync
from invoice_portal.invoices.services import invoice_create_from_order
from invoice_portal.orders.models import Order
from invoice_portal.testing import make_company

pytestmark = pytest.mark.django_db

ACME_B2B = 42


@pytest.fixture
def acme(fake_store: FakeStore) -> Any:
    fake_store.add_company(ACME_B2B, "ACME Corp", 7, 8)
    return make_company(name="ACME Corp", external_id=str(ACME_B2B))


def deliver(client: Client, connection: StoreConnection, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(f"/integrations/bigcommerce/{connection.pk}/webhook/", body, content_type="application/json", headers=headers)


def test_credentials_are_encrypted_at_rest(connection: StoreConnection, fake_store: FakeStore) -> None:
    assert fake_store.access_token not in connection.access_token_encrypted
    assert secret_decrypt(connection.access_token_encrypted) == fake_store.access_token
    assert secret_decrypt(connection.webhook_secret_encrypted) == fake_store.webhook_secret


def test_a_signed_delivery_is_stored_then_its_order_fetched_and_upserted_after_commit(
    client: Client, connection: StoreConnection, fake_store: FakeStore, acme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_store.put_order(
        101, customer_id=7, items=[("SKU-1", "Widget", 3, "10.00"), ("SKU-2", "Gadget", 1, "5.50")], shipping="4.00", tax_rate="10"
    )
    body, headers = fake_store.webhook(101, "store/order/created")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = deliver(client, connection, body, headers)
    assert response.status_code == 200, response.content
    event = GatewayEvent.objects.get(gateway="bigcommerce")
    assert event.outcome == EventOutcome.DEFERRED
    assert not Order.objects.exists()
    for callback in callbacks:
        callback()
    order = Order.objects.get(source="bigcommerce", external_id="101")
    assert order.company == acme
    assert [(ln.sku, ln.quantity, ln.unit_price, ln.tax_rate) for ln in order.lines.order_by("line_no")] == [
        ("SKU-1", Decimal(3), Decimal("10.00"), Decimal(10)), ("SKU-2", Decimal(1), Decimal("5.50"), Decimal(10)),
        ("", Decimal(1), Decimal("4.00"), Decimal(10)),
    ]  # fmt: skip
    assert order.total == Decimal("43.45")  # (30 + 5.50 + 4) × 1.1
    event.refresh_from_db()
    assert event.outcome == EventOutcome.PROCESSED
    connection.refresh_from_db()
    assert connection.last_delivery_at
    assert connection.last_synced_at
    assert any(path.endswith("/v2/orders/101/coupons") for path in fake_store.requests)
    assert any("/v2/orders/101/shipping_addresses" in path for path in fake_store.requests)


@pytest.mark.parametrize(
    "tamper",
    ["unauthenticated", "wrong_header_secret", "stale", "future", "other_store", "no_producer", "forged_signature",
     "wrong_signing_secret", "stale_signature", "not_json"],
)  # fmt: skip
def test_unverified_deliveries_are_refused_and_nothing_is_stored(
    client: Client, connection: StoreConnection, fake_store: FakeStore, acme: Any, tamper: str
) -> None:
    fake_store.put_order(102, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    body, headers = fake_store.webhook(102)
    header = "X-Portal-Webhook-Secret"
    if tamper == "unauthenticated":
        headers = {"Content-Type": "application/json"}
    elif tamper == "wrong_header_secret":
        headers[header] = fake_store.webhook_secret[:-1] + "x"
    elif tamper == "stale":  # older than the store's retries last
        body, headers = fake_store.webhook(102, at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=49))
    elif tamper == "future":
        body, headers = fake_store.webhook(102, at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10))
    elif tamper == "other_store":
        other = FakeStore(store_hash="zzz999", webhook_secret=fake_store.webhook_secret)
        body, headers = other.webhook(102)
    elif tamper == "no_producer":
        body = json.dumps({k: v for k, v in json.loads(body).items() if k != "producer"}).encode()
    elif tamper == "forged_signature":  # the header is right, but the signed body was changed
        body, headers = fake_store.webhook(102, signed=True)
        body = body.replace(b'"id": 102', b'"id": 103')
    elif tamper == "wrong_signing_secret":  # a signature alone, made with another key
        body, headers = fake_store.webhook(102, signed=True, secret="whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==")
    elif tamper == "stale_signature":
        body, headers = fake_store.webhook(102, signed=True, at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6))
    else:
        body = b"scope=store/order/created"
    response = deliver(client, connection, body, headers)
    assert response.status_code == 401, response.content
    assert not GatewayEvent.objects.exists()
    assert not Order.objects.exists()


def test_the_custom_header_is_checked_in_constant_time_and_named_by_the_setting(
    client: Client, connection: StoreConnection, fake_store: FakeStore, settings: Any, monkeypatch: Any
) -> None:
    import hmac

    from invoice_portal.integrations.bigcommerce import adapter

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(adapter.hmac, "compare_digest", spy)
    settings.BIGCOMMERCE_WEBHOOK_HEADER = "X-Shop-Key"
    body, headers = fake_store.webhook(118, "store/cart/created")
    assert "X-Shop-Key" in headers
    assert deliver(client, connection, body, headers).status_code == 200
    assert compared == [(fake_store.webhook_secret.encode(), fake_store.webhook_secret.encode())]
    headers["X-Portal-Webhook-Secret"] = headers.pop("X-Shop-Key")
    assert deliver(client, connection, body, headers).status_code == 401


@pytest.mark.parametrize("how", ["header", "header_and_signature", "signature"])
def test_deliveries_authenticated_as_documented_are_accepted(
    client: Client, connection: StoreConnection, fake_store: FakeStore, how: str
) -> None:
    body, headers = fake_store.webhook(119, "store/cart/created", signed=how != "header")
    if how == "signature":
        del headers["X-Portal-Webhook-Secret"]
    response = deliver(client, connection, body, headers)
    assert response.status_code == 200, response.content
    assert GatewayEvent.objects.get().event_id == f"{connection.pk}:store/cart/created:{json.loads(body)['hash']}"


def test_a_redelivery_with_the_same_hash_is_a_duplicate_even_hours_later(
    client: Client, connection: StoreConnection, fake_store: FakeStore
) -> None:
    """The store retries a failed callback for about two days with the same body: recorded once, counted."""
    first = fake_store.webhook(120, "store/cart/created", event_hash="3f9ea420af83450d7ef9f78b08c8af25b2213637")
    assert deliver(client, connection, *first).json()["status"] == EventOutcome.IGNORED
    later = fake_store.webhook(
        120, "store/cart/created", event_hash="3f9ea420af83450d7ef9f78b08c8af25b2213637",
        at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=20),
    )  # fmt: skip
    assert deliver(client, connection, *later).json()["status"] == "duplicate"
    assert GatewayEvent.objects.get().deliveries == 2


def test_a_duplicate_delivery_is_recorded_once(
    client: Client, connection: StoreConnection, fake_store: FakeStore, acme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_store.put_order(104, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    body, headers = fake_store.webhook(104)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, connection, body, headers).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        second = deliver(client, connection, body, headers)
    assert second.json()["status"] == "duplicate"
    event = GatewayEvent.objects.get()
    assert event.deliveries == 2
    assert Order.objects.count() == 1


def test_an_older_version_never_overwrites_a_newer_one(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    connector = store_connector(connection)
    newer = dt.datetime(2026, 11, 5, 12, 0, tzinfo=dt.UTC)
    fake_store.put_order(105, customer_id=7, items=[("SKU-1", "Widget", 5, "10.00")], modified=newer)
    assert store_order_sync(connection=connection, connector=connector, order_id="105").outcome == StoreOrderOutcome.SYNCED
    # A slow worker comes back with the version from before the change.
    fake_store.put_order(105, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")], modified=newer - dt.timedelta(hours=1))
    result = store_order_sync(connection=connection, connector=connector, order_id="105")
    assert result.outcome == StoreOrderOutcome.STALE
    assert Order.objects.get(external_id="105").lines.get().quantity == 5


def test_out_of_order_deliveries_end_at_the_stores_latest_version(
    client: Client, connection: StoreConnection, fake_store: FakeStore, acme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_store.put_order(106, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], modified=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    created = fake_store.webhook(106, "store/order/created")
    fake_store.put_order(106, customer_id=7, items=[("SKU-1", "Widget", 4, "10.00")], modified=dt.datetime(2026, 11, 7, tzinfo=dt.UTC))
    updated = fake_store.webhook(106, "store/order/updated")
    for body, headers in (updated, created):  # the update arrives first
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, connection, body, headers).status_code == 200
    assert Order.objects.get(external_id="106").lines.get().quantity == 4


def test_changes_and_cancellation_after_invoicing_raise_the_flags(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    connector = store_connector(connection)
    fake_store.put_order(107, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], modified=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    store_order_sync(connection=connection, connector=connector, order_id="107")
    order = Order.objects.get(external_id="107")
    invoice_create_from_order(actor=None, order=order)
    fake_store.put_order(107, customer_id=7, items=[("SKU-1", "Widget", 3, "10.00")], modified=dt.datetime(2026, 11, 7, tzinfo=dt.UTC))
    store_order_sync(connection=connection, connector=connector, order_id="107")
    order.refresh_from_db()
    assert order.flag_updated
    assert not order.flag_canceled
    fake_store.put_order(
        107,
        customer_id=7,
        items=[("SKU-1", "Widget", 3, "10.00")],
        status_id=5,
        status="Cancelled",
        modified=dt.datetime(2026, 11, 8, tzinfo=dt.UTC),
    )
    store_order_sync(connection=connection, connector=connector, order_id="107")
    order.refresh_from_db()
    assert order.is_canceled
    assert order.flag_canceled
    assert order.status == "Cancelled"


def test_orders_without_a_b2b_company_are_skipped_with_the_reason(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    connector = store_connector(connection)
    fake_store.put_order(108, customer_id=99, items=[("SKU-1", "Widget", 1, "10.00")])  # a retail customer
    fake_store.put_order(109, customer_id=0, items=[("SKU-1", "Widget", 1, "10.00")])  # a guest checkout
    assert store_order_sync(connection=connection, connector=connector, order_id="108").outcome == StoreOrderOutcome.SKIPPED
    assert store_order_sync(connection=connection, connector=connector, order_id="109").outcome == StoreOrderOutcome.SKIPPED
    reasons = dict(StoreOrderRecord.objects.values_list("external_id", "reason"))
    assert "customer 99 belongs to no B2B company" in reasons["108"]
    assert "guest checkout" in reasons["109"]
    assert not Order.objects.exists()


def test_an_unknown_b2b_company_is_held_until_it_exists_here(connection: StoreConnection, fake_store: FakeStore) -> None:
    connector = store_connector(connection)
    fake_store.add_company(77, "Initech", 12)
    fake_store.put_order(110, customer_id=12, items=[("SKU-1", "Widget", 1, "10.00")])
    result = store_order_sync(connection=connection, connector=connector, order_id="110")
    assert result.outcome == StoreOrderOutcome.HELD
    assert "external id 77" in result.reason
    assert not Order.objects.exists()
    make_company(name="Initech", external_id="77")
    assert store_order_sync(connection=connection, connector=connector, order_id="110").outcome == StoreOrderOutcome.SYNCED


def test_an_order_whose_figures_do_not_add_up_is_flagged_not_stored(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    connector = store_connector(connection)
    fake_store.put_order(111, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], total_override="25.00")
    result = store_order_sync(connection=connection, connector=connector, order_id="111")
    assert result.outcome == StoreOrderOutcome.FLAGGED
    assert "the order's total says 25.00" in result.reason
    assert not Order.objects.exists()


def test_a_coupon_carried_on_its_line_is_stored_net(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    connector = store_connector(connection)
    fake_store.put_order(
        112, customer_id=7, items=[("SKU-1", "Widget", 4, "10.00"), ("SKU-2", "Gadget", 1, "6.00")], discount="4.00", tax_rate="20"
    )
    assert store_order_sync(connection=connection, connector=connector, order_id="112").outcome == StoreOrderOutcome.SYNCED
    order = Order.objects.get(external_id="112")
    assert order.lines.get(sku="SKU-1").unit_price == Decimal("9.00")
    assert order.total == Decimal(fake_store.orders[112]["total_inc_tax"])


def test_429_is_honoured_with_the_stores_wait(connection: StoreConnection, fake_store: FakeStore, acme: Any) -> None:
    waits: list[float] = []
    fake_store.put_order(113, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    fake_store.throttle_next = 2
    result = store_order_sync(connection=connection, connector=store_connector(connection, sleep=waits.append), order_id="113")
    assert result.outcome == StoreOrderOutcome.SYNCED
    assert waits == [1.5, 1.5]  # X-Rate-Limit-Time-Reset-Ms: 1500


def test_a_store_that_keeps_throttling_is_a_retryable_error(
    connection: StoreConnection, fake_store: FakeStore, acme: Any, settings: Any
) -> None:
    settings.BIGCOMMERCE_MAX_ATTEMPTS = 3
    fake_store.put_order(114, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    fake_store.throttle_next = 10
    with pytest.raises(StoreError) as caught:
        store_order_sync(connection=connection, connector=store_connector(connection, sleep=lambda _s: None), order_id="114")
    assert caught.value.retryable


def test_a_refused_token_is_not_retryable(connection: StoreConnection, fake_store: FakeStore) -> None:
    fake_store.access_token = "rotated"
    fake_store.put_order(115, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    with pytest.raises(StoreError) as caught:
        store_connector(connection).fetch_order("115")
    assert not caught.value.retryable


def test_backfill_pages_through_the_orders_and_resumes_where_it_stopped(
    connection: StoreConnection, fake_store: FakeStore, acme: Any, settings: Any
) -> None:
    settings.BIGCOMMERCE_MAX_ATTEMPTS = 1
    for n in range(120):
        fake_store.put_order(1000 + n, customer_id=7 if n % 3 else 99, items=[("SKU-1", "Widget", 1, "10.00")])
    calls = {"n": 0}
    original = fake_store.answer

    def failing_on_page_3(path: str, token: str, store_hash: str) -> Any:
        if "page=3" in path and calls["n"] == 0:
            calls["n"] += 1
            return 500, {"status": 500}, {}
        return original(path, token, store_hash)

    fake_store.answer = failing_on_page_3  # type: ignore[method-assign,assignment]
    with pytest.raises(CommandError, match="resume"):
        call_command("store_sync", "--since", "2026-11-01", stdout=open("/dev/null", "w"))  # noqa: SIM115
    connection.refresh_from_db()
    assert connection.backfill_cursor["page"] == 3
    assert connection.backfill_cursor["done"] == 100
    fake_store.requests.clear()
    call_command("store_sync", "--since", "2026-11-01", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not any("page=1&" in p or "page=2&" in p for p in fake_store.requests)  # resumed, not restarted
    assert Order.objects.filter(source="bigcommerce").count() == 80
    assert StoreOrderRecord.objects.filter(outcome=StoreOrderOutcome.SKIPPED).count() == 40
    connection.refresh_from_db()
    assert connection.backfill_cursor["finished"] is True


def test_backfill_and_webhooks_take_the_same_path(
    client: Client, connection: StoreConnection, fake_store: FakeStore, acme: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fake_store.put_order(116, customer_id=7, items=[("SKU-1", "Widget", 1, "10.00")])
    out = io.StringIO()
    call_command("store_sync", "--since", "2026-11-01", stdout=out)
    assert "[##############################] 1/1 orders" in out.getvalue()
    assert "Done: 1 orders since 2026-11-01 00:00 (1 synced)." in out.getvalue()
    body, headers = fake_store.webhook(116)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, connection, body, headers)
    event = GatewayEvent.objects.get()
    assert event.outcome == EventOutcome.PROCESSED
    assert "synced" in event.detail
    assert Order.objects.count() == 1
    assert json.loads(json.dumps(event.facts))["order_id"] == "116"


def test_events_the_portal_does_not_sync_are_recorded_and_ignored(
    client: Client, connection: StoreConnection, fake_store: FakeStore
) -> None:
    body, headers = fake_store.webhook(117, "store/cart/created")
    response = deliver(client, connection, body, headers)
    assert response.status_code == 200
    assert response.json()["status"] == EventOutcome.IGNORED


def test_an_unknown_connection_is_404(client: Client, db: Any, fake_store: FakeStore) -> None:
    body, headers = fake_store.webhook(1)
    assert client.post("/integrations/bigcommerce/999/webhook/", body, content_type="application/json", headers=headers).status_code == 404


def test_a_retryable_failure_leaves_the_delivery_waiting_for_sync_now(
    connection: StoreConnection, fake_store: FakeStore, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from invoice_portal.integrations.stores.services import store_sync_now, store_webhook_receive

    settings.BIGCOMMERCE_MAX_ATTEMPTS = 1
    fake_store.add_company(42, "ACME Corp", 7)
    make_company(name="ACME Corp", external_id="42")
    fake_store.put_order(303, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], modified=dt.datetime.now(dt.UTC))
    fake_store.throttle_next = 1
    body, headers = fake_store.webhook(303)
    with django_capture_on_commit_callbacks(execute=True):
        store_webhook_receive(connection_id=connection.pk, body=body, headers=headers)
    event = GatewayEvent.objects.get()
    assert event.outcome == EventOutcome.DEFERRED
    assert event.processed_at is None
    assert "will retry" in event.detail
    connection.refresh_from_db()
    assert connection.status == "failing"
    store_sync_now(actor=None, connection=connection, sleep=lambda _s: None)
    event.refresh_from_db()
    assert event.outcome == EventOutcome.PROCESSED
    connection.refresh_from_db()
    assert connection.status == "active"
    assert Order.objects.filter(external_id="303").exists()


def test_credentials_unreadable_after_a_secret_key_change_are_a_503_not_a_500(
    client: Client, connection: StoreConnection, fake_store: FakeStore, settings: Any
) -> None:
    body, headers = fake_store.webhook(1)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    response = deliver(client, connection, body, headers)
    assert response.status_code == 503
    assert "SECRET_KEY" in response.json()["detail"]
    assert not GatewayEvent.objects.exists()


def test_store_sync_refuses_a_bad_date_and_a_missing_connection(db: Any) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("store_sync", "--since", "yesterday")
    with pytest.raises(CommandError, match="No store connection"):
        call_command("store_sync", "--since", "2026-11-01")


def test_an_invoiced_order_whose_update_does_not_add_up_keeps_its_version_and_is_flagged(
    connection: StoreConnection, fake_store: FakeStore, acme: Any
) -> None:
    connector = store_connector(connection)
    fake_store.put_order(118, customer_id=7, items=[("SKU-1", "Widget", 2, "10.00")], modified=dt.datetime(2026, 11, 6, tzinfo=dt.UTC))
    store_order_sync(connection=connection, connector=connector, order_id="118")
    order = Order.objects.get(external_id="118")
    invoice_create_from_order(actor=None, order=order)
    fake_store.put_order(
        118, customer_id=7, items=[("SKU-1", "Widget", 3, "10.00")], total_override="1.00", modified=dt.datetime(2026, 11, 7, tzinfo=dt.UTC)
    )
    assert store_order_sync(connection=connection, connector=connector, order_id="118").outcome == StoreOrderOutcome.FLAGGED
    order.refresh_from_db()
    assert order.flag_updated
    assert order.lines.get().quantity == 2  # the billed version stays


def test_the_documented_example_delivery_is_accepted_as_the_store_sends_it(
    client: Client, connection: StoreConnection, fake_store: FakeStore, django_capture_on_commit_callbacks: Any
) -> None:
    """The HTTPS Webhooks Overview's example body, byte for byte (no created_at, no signature), with our header."""
    body = (
        b'{\n "store_id":"11111",\n "producer":"stores/abc123",\n "scope":"store/order/statusUpdated",\n'
        b' "data":{\n    "type":"order",\n    "id":173331\n  },\n "hash":"3f9ea420af83450d7ef9f78b08c8af25b2213637"\n }'
    )
    assert fake_store.store_hash == "abc123"
    with django_capture_on_commit_callbacks(execute=False):
        response = deliver(client, connection, body, {"X-Portal-Webhook-Secret": fake_store.webhook_secret})
    assert response.status_code == 200, response.content
    event = GatewayEvent.objects.get()
    assert event.outcome == EventOutcome.DEFERRED
    assert event.facts == {"connection": connection.pk, "order_id": "173331"}
    assert event.event_id == f"{connection.pk}:store/order/statusUpdated:3f9ea420af83450d7ef9f78b08c8af25b2213637"


def test_a_signature_made_as_the_store_documents_it_verifies(client: Client, connection: StoreConnection, fake_store: FakeStore) -> None:
    """HTTPS Webhooks Overview, "Webhook signature": the receiver verifies with ``standardwebhooks`` keyed by the app's
    client secret, base64-encoded. The vector is made with the library the same way; no custom header is sent."""
    import base64
    import datetime as dt

    from standardwebhooks.webhooks import Webhook

    at = dt.datetime.now(dt.UTC)
    body = json.dumps({
        "scope": "store/cart/created", "store_id": "1001005173", "data": {"type": "cart", "id": 7},
        "hash": "0f1b5800def7b505369b08b4a3503a1db2c4b1a6", "created_at": int(at.timestamp()),
        "producer": f"stores/{fake_store.store_hash}",
    }).encode()  # fmt: skip
    documented = Webhook(base64.b64encode(b"portal-app-secret-0123456789-abcdef").decode())
    headers = {"webhook-id": "msg_doc", "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": documented.sign(msg_id="msg_doc", timestamp=at, data=body.decode())}  # fmt: skip
    assert deliver(client, connection, body, headers).status_code == 200
    other = Webhook(base64.b64encode(b"another-apps-client-secret").decode())
    headers["webhook-signature"] = other.sign(msg_id="msg_doc", timestamp=at, data=body.decode())
    assert deliver(client, connection, body, headers).status_code == 401
