"""The store connector interface: what every store under ``integrations/<name>/`` implements.

A store connector does four things for the order sync (``stores/sync.py``):

- ``verify_webhook(body, headers)``: check a delivery as the store documents it and return the ids
  it carries (``StoreSignatureError`` when it is unsigned, forged or stale);
- ``fetch_order(order_id)``: the order as it is now, with its lines, shipping and discounts;
- ``customer_company(customer_id)``: the B2B company a store customer belongs to, or None;
- ``list_orders(since, page)``: one page of the orders modified since a moment (the backfill).

Every failure is a ``StoreError`` whose ``retryable`` says whether the same call may succeed later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from invoice_portal.core.errors import DomainError


class StoreError(DomainError):
    """The store refused or could not be reached. ``retryable``: whether the same call may succeed later."""

    code = "store_error"
    status = 502
    title = "The store could not answer"

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retryable = retryable


class StoreSignatureError(StoreError):
    """A webhook delivery that is unsigned, forged or stale. Never retryable: it is not from the store."""

    code = "store_webhook_unverified"
    status = 401
    title = "The webhook could not be verified"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class StoreOrderNotFound(StoreError):
    code = "store_order_not_found"
    status = 404

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class StoreWebhook:
    delivery_id: str
    scope: str
    resource_id: str
    created_at: dt.datetime | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class StoreLine:
    sku: str
    description: str
    quantity: Decimal
    unit_price_ex_tax: Decimal
    total_ex_tax: Decimal
    total_tax: Decimal
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class StoreOrder:
    external_id: str
    status: str
    is_canceled: bool
    customer_id: str  # "" for a guest checkout
    currency: str
    date_created: dt.datetime
    date_modified: dt.datetime
    lines: tuple[StoreLine, ...]
    subtotal_ex_tax: Decimal
    shipping_ex_tax: Decimal
    shipping_tax: Decimal
    discount_total: Decimal  # order-level discounts plus coupons
    total_tax: Decimal
    total_inc_tax: Decimal
    coupons: tuple[str, ...] = ()
    po_number: str = ""
    ship_to: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreCompany:
    company_id: str
    name: str


@dataclass(frozen=True)
class OrderPage:
    order_ids: tuple[str, ...]
    total: int | None
    has_more: bool


class StoreConnector(Protocol):
    name: str

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> StoreWebhook: ...

    def fetch_order(self, order_id: str) -> StoreOrder: ...

    def customer_company(self, customer_id: str) -> StoreCompany | None: ...

    def list_orders(self, *, since: dt.datetime, page: int) -> OrderPage: ...
