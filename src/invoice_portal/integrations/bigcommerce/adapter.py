"""BigCommerce: webhooks verified as the store documents them, orders read from the Orders v2 API.

What this follows (BigCommerce developer documentation; docs/integrations.md lists each page and rule):

- Webhooks (``/docs/integrations/webhooks``, "Security" and "HTTPS Webhooks Overview"): the body is
  ``{"scope": "store/order/updated", "store_id": "…", "data": {"type": "order", "id": 250}, "hash": "…",
  "created_at": 1561482670, "producer": "stores/{store_hash}"}`` — ids only, the order itself is fetched.
  The documented way to secure a destination is the ``headers`` object of the *Create a webhook*
  request (``POST /stores/{hash}/v3/hooks``): the store sends those headers back with every callback.
  We ask the Admin to create the hooks with ``{"X-Portal-Webhook-Secret": "<the connection's webhook
  secret>"}`` (the header name is ``BIGCOMMERCE_WEBHOOK_HEADER``) and compare it in constant time. That
  is one check. The *HTTPS Webhooks Overview* ("Security", "Webhook signature") documents the other:
  deliveries carry Standard Webhooks headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``)
  verified with the ``standardwebhooks`` library keyed by the app's client secret, base64-encoded
  (``signature_key``; five minutes of tolerance). Either proves the delivery; a delivery that carries
  both must pass both.
  Either way the payload must name this store (``producer``), its ``created_at`` may not be older
  than ``BIGCOMMERCE_WEBHOOK_MAX_AGE`` (the store retries for about 48 hours) nor in the future, and
  the delivery is recorded once by its ``hash`` ("if a hook fires twice for the same event, both
  request bodies rely on the same hash").
- Orders v2 (``/docs/rest-management/orders``): ``GET /stores/{hash}/v2/orders/{id}`` and its
  ``/products``, ``/shipping_addresses``, ``/coupons``; ``GET /v2/orders?min_date_modified=…&sort=
  date_modified:asc&page=…&limit=…`` (an empty page answers 204) and ``/v2/orders/count``; money as
  decimal strings; dates in RFC 2822; the ``X-Auth-Token`` header carries the API account's token.
- Rate limits (``/docs/start/best-practices/api-rate-limits``): a 429 says how long to wait in
  ``X-Rate-Limit-Time-Reset-Ms`` (``Retry-After`` is honoured too); we wait that long and try again.
- B2B Edition (server-to-server API ``/api/v3/io``, ``X-Auth-Token`` and ``X-Store-Hash`` headers):
  ``GET /users/customer/{customerId}`` ("Get User Details by BigCommerce Customer ID") gives the B2B
  user of a store customer with its ``companyId`` (404: the customer belongs to no B2B company);
  ``GET /companies/{companyId}`` gives its name. The paths are in ``settings.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from invoice_portal.integrations.bigcommerce import settings as bc_settings
from invoice_portal.integrations.stores.base import (
    OrderPage,
    StoreCompany,
    StoreError,
    StoreLine,
    StoreOrder,
    StoreOrderNotFound,
    StoreSignatureError,
    StoreWebhook,
)

PAGE_SIZE = 50
SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# BigCommerce order statuses (status_id) that end an order: Refunded, Cancelled, Declined.
CANCELED_STATUS_IDS = frozenset({4, 5, 6})
Sleep = Callable[[float], None]


def webhook_verifier(secret: str) -> Webhook:
    """The Standard Webhooks verifier for a connection's secret (``whsec_…`` base64, or the raw key as given)."""
    if not secret:
        raise StoreSignatureError("This connection has no webhook secret: deliveries cannot be verified.")
    return Webhook(secret) if secret.startswith("whsec_") else Webhook(secret.encode())


def signature_key(client_secret: str) -> Webhook:
    """The verifier BigCommerce documents for its signed deliveries: the app's client secret, base64-encoded, as the
    Standard Webhooks secret, i.e. the client secret's own bytes as the HMAC key."""
    return Webhook(base64.b64encode(client_secret.encode()).decode())


def _money(value: object, field: str) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation as exc:
        raise StoreError(f"The store sent {field}={value!r}, not an amount.", retryable=False) from exc


def _date(value: object, field: str) -> dt.datetime:
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError) as exc:
        try:
            return dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise StoreError(f"The store sent {field}={value!r}, not a date.", retryable=False) from exc


class BigCommerceStore:
    name = "bigcommerce"

    def __init__(
        self, *, store_hash: str, access_token: str, webhook_secret: str = "", signing_secret: str = "", api_base: str,
        b2b_api_base: str, sleep: Sleep = time.sleep,
    ) -> None:  # fmt: skip
        self.store_hash = store_hash
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        # The app's client secret: the key of the store's Standard Webhooks signature (HTTPS Webhooks Overview,
        # "Webhook signature"); a connection without one checks signatures with its webhook secret.
        self.signing_secret = signing_secret
        self.api_base = api_base.rstrip("/")
        self.b2b_api_base = b2b_api_base.rstrip("/")
        self.sleep = sleep

    # -- webhooks ---------------------------------------------------------------------------------

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> StoreWebhook:
        """A delivery as the store documents it: the custom secret header (and a Standard Webhooks signature if present)."""
        if not self.webhook_secret:
            raise StoreSignatureError("This connection has no webhook secret: deliveries cannot be verified.")
        lowered = {k.lower(): v for k, v in headers.items()}
        header = bc_settings.webhook_header()
        presented = lowered.get(header.lower())
        signed = all(lowered.get(h) for h in SIGNATURE_HEADERS)
        if presented is None and not signed:
            raise StoreSignatureError(f"Unauthenticated delivery: the {header} header the store webhooks are created with is missing.")
        if presented is not None and not hmac.compare_digest(presented.encode(), self.webhook_secret.encode()):
            raise StoreSignatureError(f"The delivery's {header} header does not match this connection's webhook secret.")
        if signed:
            try:
                (signature_key(self.signing_secret) if self.signing_secret else webhook_verifier(self.webhook_secret)).verify(body, lowered)
            except WebhookVerificationError as exc:
                raise StoreSignatureError(f"The delivery's webhook-signature does not verify: {exc}.") from exc
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise StoreSignatureError("The delivery's body is not JSON.") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict) or not payload.get("scope"):
            raise StoreSignatureError("The delivery is not a store webhook (no scope and data object).")
        producer = str(payload.get("producer", ""))
        if producer != f"stores/{self.store_hash}":
            raise StoreSignatureError(f"The delivery is from {producer or 'no store'}, not from stores/{self.store_hash}.")
        created = payload.get("created_at")
        created_at = None
        if created is not None:
            if not isinstance(created, int) or isinstance(created, bool):
                raise StoreSignatureError(f"The delivery's created_at {created!r} is not a Unix time.")
            created_at = dt.datetime.fromtimestamp(created, tz=dt.UTC)
            age = (dt.datetime.now(dt.UTC) - created_at).total_seconds()
            if age > bc_settings.webhook_max_age():
                raise StoreSignatureError(
                    f"Stale delivery: created {int(age)} seconds ago, more than the {bc_settings.webhook_max_age()} accepted."
                )
            if age < -bc_settings.WEBHOOK_FUTURE_SKEW_SECONDS:
                raise StoreSignatureError("The delivery's created_at lies in the future.")
        event_hash = str(payload.get("hash") or "")
        delivery_id = f"{payload['scope']}:{event_hash}" if event_hash else str(lowered.get("webhook-id") or "")
        if not delivery_id:
            raise StoreSignatureError("The delivery has no hash to recognise it by.")
        return StoreWebhook(
            delivery_id=delivery_id, scope=str(payload["scope"]), resource_id=str(payload["data"].get("id", "")),
            created_at=created_at, payload=payload,
        )  # fmt: skip

    # -- HTTP -------------------------------------------------------------------------------------

    def _request(self, url: str, *, extra_headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
        headers = {"X-Auth-Token": self.access_token, "Accept": "application/json", **(extra_headers or {})}
        attempts = bc_settings.max_attempts()
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - the base URL is the admin's setting
            try:
                with urllib.request.urlopen(request, timeout=bc_settings.timeout()) as response:  # noqa: S310
                    body = response.read()
                    return response.status, json.loads(body) if body else None
            except urllib.error.HTTPError as exc:
                status, wait = exc.code, self._wait(exc, attempt)
                exc.close()
                if status == 404:
                    raise StoreOrderNotFound(f"The store has no {urllib.parse.urlsplit(url).path}.") from exc
                if status in (401, 403):
                    raise StoreError(
                        f"The store refused the access token ({status}): check the API account's scopes.", retryable=False
                    ) from exc
                if status != 429 and status < 500:
                    raise StoreError(f"The store answered {status} for {urllib.parse.urlsplit(url).path}.", retryable=False) from exc
                if attempt == attempts:
                    raise StoreError(f"The store still answers {status} after {attempts} tries.", retryable=True) from exc
                self.sleep(wait)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt == attempts:
                    raise StoreError(f"The store cannot be reached: {exc}.", retryable=True) from exc
                self.sleep(min(2.0**attempt, bc_settings.max_wait()))
            except json.JSONDecodeError as exc:
                raise StoreError("The store answered something that is not JSON.", retryable=True) from exc
        raise AssertionError("unreachable")

    def _wait(self, exc: urllib.error.HTTPError, attempt: int) -> float:
        """How long to wait before the next try: what a 429 says, else exponential backoff."""
        reset_ms, retry_after = exc.headers.get("X-Rate-Limit-Time-Reset-Ms"), exc.headers.get("Retry-After")
        try:
            if exc.code == 429 and reset_ms:
                return min(int(reset_ms) / 1000, bc_settings.max_wait())
            if retry_after:
                return min(float(retry_after), bc_settings.max_wait())
        except ValueError:
            pass
        return float(min(2**attempt, bc_settings.max_wait()))

    def _v2(self, path: str, **params: object) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        status, data = self._request(f"{self.api_base}{bc_settings.ORDERS_V2_PATH.format(store_hash=self.store_hash)}{path}{query}")
        return None if status == 204 else data

    def _b2b(self, path: str) -> Any:
        _, data = self._request(f"{self.b2b_api_base}{bc_settings.B2B_PATH}{path}", extra_headers={"X-Store-Hash": self.store_hash})
        return data.get("data") if isinstance(data, dict) else None

    # -- orders -----------------------------------------------------------------------------------

    def fetch_order(self, order_id: str) -> StoreOrder:
        order_id = str(int(order_id))  # ids are integers: nothing else reaches a URL
        raw = self._v2(f"orders/{order_id}")
        if not isinstance(raw, dict):
            raise StoreOrderNotFound(f"The store has no order {order_id}.")
        products = self._v2(f"orders/{order_id}/products", limit=250) or []
        shipping = self._v2(f"orders/{order_id}/shipping_addresses") or []
        coupons = self._v2(f"orders/{order_id}/coupons") or []
        return self._order(raw, products, shipping, coupons)

    def _order(
        self, raw: dict[str, Any], products: list[dict[str, Any]], shipping: list[dict[str, Any]], coupons: list[dict[str, Any]]
    ) -> StoreOrder:
        lines = tuple(
            StoreLine(
                sku=str(p.get("sku") or ""), description=str(p.get("name") or p.get("sku") or "Item"),
                quantity=_money(p.get("quantity"), "quantity"), unit_price_ex_tax=_money(p.get("price_ex_tax"), "price_ex_tax"),
                total_ex_tax=_money(p.get("total_ex_tax"), "total_ex_tax"), total_tax=_money(p.get("total_tax"), "total_tax"),
                discount=sum((_money(d.get("amount"), "applied_discounts.amount") for d in p.get("applied_discounts") or []), Decimal(0)),
            )
            for p in products
        )  # fmt: skip
        extra = ("shipping_cost", "handling_cost", "wrapping_cost")
        address = shipping[0] if shipping else {}
        ship_to = ", ".join(str(address.get(k)) for k in ("company", "street_1", "city", "zip", "country_iso2") if address.get(k))
        status_id = int(raw.get("status_id") or 0)
        return StoreOrder(
            external_id=str(raw["id"]), status=str(raw.get("status") or status_id),
            is_canceled=status_id in CANCELED_STATUS_IDS or bool(raw.get("is_deleted")),
            customer_id=str(raw.get("customer_id") or "") if str(raw.get("customer_id") or "0") != "0" else "",
            currency=str(raw.get("currency_code") or raw.get("default_currency_code") or ""),
            date_created=_date(raw.get("date_created"), "date_created"), date_modified=_date(raw.get("date_modified"), "date_modified"),
            lines=lines, subtotal_ex_tax=_money(raw.get("subtotal_ex_tax"), "subtotal_ex_tax"),
            shipping_ex_tax=sum((_money(raw.get(f"{k}_ex_tax"), f"{k}_ex_tax") for k in extra), Decimal(0)),
            shipping_tax=sum((_money(raw.get(f"{k}_tax"), f"{k}_tax") for k in extra), Decimal(0)),
            discount_total=_money(raw.get("discount_amount"), "discount_amount") + _money(raw.get("coupon_discount"), "coupon_discount"),
            total_tax=_money(raw.get("total_tax"), "total_tax"), total_inc_tax=_money(raw.get("total_inc_tax"), "total_inc_tax"),
            coupons=tuple(str(c.get("code")) for c in coupons if c.get("code")), ship_to=ship_to, raw=raw,
        )  # fmt: skip

    def customer_company(self, customer_id: str) -> StoreCompany | None:
        customer_id = str(int(customer_id))
        try:
            user = self._b2b(bc_settings.B2B_USER_BY_CUSTOMER.format(customer_id=customer_id))
        except StoreOrderNotFound:
            return None
        company_id = str((user or {}).get("companyId") or "")
        if not company_id or company_id == "0":
            return None
        try:
            company = self._b2b(bc_settings.B2B_COMPANY.format(company_id=int(company_id))) or {}
        except StoreOrderNotFound:
            company = {}
        return StoreCompany(company_id=company_id, name=str(company.get("companyName") or f"B2B company {company_id}"))

    def list_orders(self, *, since: dt.datetime, page: int) -> OrderPage:
        params = {"min_date_modified": since.isoformat(), "sort": "date_modified:asc", "page": page, "limit": PAGE_SIZE}
        rows = self._v2("orders", **params) or []
        total = None
        if page == 1:
            counted = self._v2("orders/count", min_date_modified=since.isoformat())
            total = int(counted.get("count", 0)) if isinstance(counted, dict) else None
        return OrderPage(order_ids=tuple(str(r["id"]) for r in rows), total=total, has_more=len(rows) == PAGE_SIZE)
