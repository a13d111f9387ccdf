"""A local stand-in for a BigCommerce store, built from the documented payload shapes.

It serves the Orders v2 endpoints the connector reads and the B2B Edition user/company lookups on
127.0.0.1 (one thread, any free port, or a fixed one), checks the ``X-Auth-Token``, can answer 429
with ``X-Rate-Limit-Time-Reset-Ms`` a chosen number of times, and makes webhook deliveries as the store
does: the documented body, with the custom headers the webhook was created with (our secret header);
``signed=True`` adds Standard Webhooks signature headers as well. The tests and ``make demo`` use it;
the connector talks to it through the same code that talks to the real store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from decimal import Decimal
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook

from invoice_portal.integrations.bigcommerce import settings as bc_settings
from invoice_portal.integrations.bigcommerce.adapter import signature_key, webhook_verifier

BASE_DATE = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _m(value: Decimal | str | int) -> str:
    return f"{Decimal(str(value)):.4f}"


class FakeStore:
    def __init__(self, *, store_hash: str = "abc123", access_token: str = "fake-token", webhook_secret: str = "") -> None:  # noqa: S107 - the fake store's own token
        self.store_hash = store_hash
        self.access_token = access_token
        self.client_secret = ""  # the storefront app's client secret, which signs Standard Webhooks deliveries
        self.webhook_secret = webhook_secret or "whsec_" + "ZmFrZS1zdG9yZS13ZWJob29rLXNlY3JldC0xMjM0NQ=="
        self.orders: dict[int, dict[str, Any]] = {}
        self.products: dict[int, list[dict[str, Any]]] = {}
        self.coupons: dict[int, list[dict[str, Any]]] = {}
        self.b2b_users: dict[int, int] = {}  # customer id → B2B company id
        self.b2b_companies: dict[int, str] = {}
        self.throttle_next = 0
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- data -----------------------------------------------------------------------------------

    def add_company(self, company_id: int, name: str, *customer_ids: int) -> None:
        self.b2b_companies[company_id] = name
        for customer_id in customer_ids:
            self.b2b_users[customer_id] = company_id

    def put_order(
        self, order_id: int, *, customer_id: int, items: list[tuple[str, str, int, str]], shipping: str = "0",
        tax_rate: str = "0", status_id: int = 11, status: str = "Awaiting Fulfillment", currency: str = "USD",
        modified: dt.datetime | None = None, discount: str = "0", total_override: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Create or replace an order shaped like ``GET /v2/orders/{id}``; ``items`` are (sku, name, qty, unit price ex tax).

        ``discount`` is a coupon spread over the first line's ``applied_discounts``; ``total_override`` makes
        the order's own figures disagree (for the flag tests).
        """
        rate = Decimal(tax_rate) / 100
        products, subtotal, tax = [], Decimal(0), Decimal(0)
        for n, (sku, name, qty, price) in enumerate(items):
            line_total = Decimal(price) * qty
            line_discount = Decimal(discount) if n == 0 else Decimal(0)
            line_tax = ((line_total - line_discount) * rate).quantize(Decimal("0.01"))
            subtotal, tax = subtotal + line_total, tax + line_tax
            products.append({
                "id": order_id * 100 + n, "order_id": order_id, "product_id": 1000 + n, "name": name, "sku": sku, "quantity": qty,
                "base_price": _m(price), "price_ex_tax": _m(price), "price_inc_tax": _m(Decimal(price) * (1 + rate)),
                "price_tax": _m(Decimal(price) * rate), "base_total": _m(line_total), "total_ex_tax": _m(line_total),
                "total_inc_tax": _m(line_total + line_tax), "total_tax": _m(line_tax),
                "applied_discounts": (
                    [{"id": "coupon", "amount": _m(line_discount), "name": "Coupon", "code": "B2B10", "target": "order"}]
                    if line_discount
                    else []
                ),
            })  # fmt: skip
        ship = Decimal(shipping)
        ship_tax = (ship * rate).quantize(Decimal("0.01"))
        tax += ship_tax
        total = subtotal + ship + tax - Decimal(discount)
        when = modified or BASE_DATE + dt.timedelta(minutes=len(self.orders))
        order = {
            "id": order_id, "customer_id": customer_id, "date_created": format_datetime(BASE_DATE), "date_modified": format_datetime(when),
            "status_id": status_id, "status": status, "currency_code": currency, "default_currency_code": currency,
            "subtotal_ex_tax": _m(subtotal), "subtotal_inc_tax": _m(subtotal + tax - ship_tax), "subtotal_tax": _m(tax - ship_tax),
            "shipping_cost_ex_tax": _m(ship), "shipping_cost_inc_tax": _m(ship + ship_tax), "shipping_cost_tax": _m(ship_tax),
            "handling_cost_ex_tax": _m(0), "handling_cost_tax": _m(0), "wrapping_cost_ex_tax": _m(0), "wrapping_cost_tax": _m(0),
            "total_ex_tax": _m(total - tax), "total_inc_tax": _m(total_override or total), "total_tax": _m(tax),
            "items_total": sum(q for _, _, q, _ in items), "discount_amount": _m(0), "coupon_discount": _m(discount),
            "is_deleted": False, "payment_status": "captured",
            "products": {
                "url": f"{self.url}/stores/{self.store_hash}/v2/orders/{order_id}/products", "resource": f"/orders/{order_id}/products",
            },
        }  # fmt: skip
        with self._lock:
            self.orders[order_id] = order
            self.products[order_id] = products
            self.coupons[order_id] = (
                [
                    {
                        "id": 1,
                        "coupon_id": 7,
                        "order_id": order_id,
                        "code": "B2B10",
                        "amount": _m(discount),
                        "type": 0,
                        "discount": _m(discount),
                    }
                ]
                if Decimal(discount)
                else []
            )
        return order

    # -- webhooks -------------------------------------------------------------------------------

    def webhook(
        self,
        order_id: int,
        scope: str = "store/order/updated",
        *,
        at: dt.datetime | None = None,
        delivery_id: str | None = None,
        secret: str | None = None,
        signed: bool = False,
        event_hash: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A delivery as the store sends it: the documented body and the webhook's custom headers.

        ``signed`` adds Standard Webhooks headers (``delivery_id`` is then the ``webhook-id``); ``secret``
        replaces the connection's secret in both; ``event_hash`` fixes the payload's ``hash``.
        """
        at = at or dt.datetime.now(dt.UTC)
        override = secret
        secret = secret or self.webhook_secret
        body = json.dumps({
            "scope": scope, "store_id": "1001005173", "data": {"type": "order", "id": order_id},
            "hash": event_hash or uuid.uuid4().hex, "created_at": int(at.timestamp()), "producer": f"stores/{self.store_hash}",
        }).encode()  # fmt: skip
        headers = {"Content-Type": "application/json", bc_settings.webhook_header(): secret}
        if signed:
            delivery_id = delivery_id or f"msg_{uuid.uuid4().hex}"
            # Signed as the HTTPS Webhooks Overview documents: the app's client secret is the key (when the fake knows it).
            signer: Webhook = signature_key(self.client_secret) if self.client_secret and not override else webhook_verifier(secret)
            headers |= {
                "webhook-id": delivery_id, "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": signer.sign(msg_id=delivery_id, timestamp=at, data=body),
            }  # fmt: skip
        return body, headers

    # -- HTTP -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            return "http://127.0.0.1:0"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self, port: int = 0) -> FakeStore:
        """Serve on 127.0.0.1 (``port`` 0: any free port) in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, body, headers = fake.answer(self.path, self.headers.get("X-Auth-Token", ""), self.headers.get("X-Store-Hash", ""))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop`` (another thread) or an interrupt (``invoice-portal demo-store``)."""
        if self._server is None:
            raise RuntimeError("start() the fake store first")
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)  # short waits, so Ctrl-C (KeyboardInterrupt) is seen at once

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, raw_path: str, token: str, store_hash_header: str) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(raw_path)
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return (
                    429,
                    {"status": 429, "title": "Too many requests"},
                    {"X-Rate-Limit-Time-Reset-Ms": "1500", "X-Rate-Limit-Requests-Left": "0"},
                )
        if token != self.access_token:
            return 401, {"status": 401, "title": "Unauthorized"}, {}
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path.startswith("/api/v3/io/"):
            return self._b2b(path.removeprefix("/api/v3/io/"), store_hash_header)
        prefix = f"/stores/{self.store_hash}/v2/"
        if not path.startswith(prefix):
            return 404, {"status": 404, "title": "Not found"}, {}
        return self._v2(path.removeprefix(prefix), query)

    def _v2(self, path: str, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if path in ("orders", "orders/count"):
            since = dt.datetime.fromisoformat(query["min_date_modified"]) if "min_date_modified" in query else None
            from email.utils import parsedate_to_datetime

            rows = sorted(
                (o for o in self.orders.values() if since is None or parsedate_to_datetime(o["date_modified"]) >= since),
                key=lambda o: (parsedate_to_datetime(o["date_modified"]), o["id"]),
            )
            if path == "orders/count":
                return 200, {"count": len(rows)}, {}
            page, limit = int(query.get("page", 1)), min(int(query.get("limit", 50)), 250)
            chunk = rows[(page - 1) * limit : page * limit]
            return (200, chunk, {}) if chunk else (204, None, {})
        match = re.fullmatch(r"orders/(\d+)(?:/(products|shipping_addresses|coupons))?", path)
        if not match or int(match.group(1)) not in self.orders:
            return 404, [{"status": 404, "message": "The requested resource was not found."}], {}
        order_id, sub = int(match.group(1)), match.group(2)
        if sub is None:
            return 200, self.orders[order_id], {}
        if sub == "products":
            return 200, self.products[order_id], {}
        if sub == "coupons":
            return (200, self.coupons[order_id], {}) if self.coupons[order_id] else (204, None, {})
        address = {
            "id": 1,
            "order_id": order_id,
            "first_name": "Pat",
            "last_name": "Buyer",
            "company": "",
            "street_1": "1 Dock Road",
            "city": "Springfield",
            "zip": "12345",
            "country": "United States",
            "country_iso2": "US",
        }
        return 200, [address], {}

    def _b2b(self, path: str, store_hash_header: str) -> tuple[int, Any, dict[str, str]]:
        if store_hash_header != self.store_hash:
            return 401, {"code": 401, "message": "Unknown store"}, {}
        match = re.fullmatch(r"users/customer/(\d+)", path)
        if match:
            company = self.b2b_users.get(int(match.group(1)))
            if company is None:
                return 404, {"code": 404, "message": "User not found"}, {}
            return (
                200,
                {"code": 200, "data": {"id": int(match.group(1)) + 5000, "customerId": int(match.group(1)), "companyId": company}},
                {},
            )
        match = re.fullmatch(r"companies/(\d+)", path)
        if match and int(match.group(1)) in self.b2b_companies:
            company_id = int(match.group(1))
            return 200, {"code": 200, "data": {"companyId": company_id, "companyName": self.b2b_companies[company_id]}}, {}
        return 404, {"code": 404, "message": "Not found"}, {}
