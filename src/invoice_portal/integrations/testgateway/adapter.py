"""The test gateway as the portal sees it: the same interface as Stripe, served by this app.

Its webhooks are JSON events ``{"id", "type", "created", "data": {...}}``:

| type | means |
| --- | --- |
| ``checkout.completed``, ``payment.succeeded`` | money captured (both are sent, as Stripe sends two) |
| ``payment.processing`` | submitted, outcome not known yet |
| ``payment.failed`` / ``checkout.canceled`` / ``checkout.expired`` | the checkout ended without money |
| ``refund.succeeded`` | money given back |
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from invoice_portal.core.errors import DomainError
from invoice_portal.core.ids import parse_id
from invoice_portal.core.money import check_currency, minor_digits, parse_money
from invoice_portal.integrations.gateways.base import (
    EventKind,
    GatewayError,
    GatewayNotConfigured,
    StartedCheckout,
    VerifiedEvent,
    header,
    webhook_json,
)
from invoice_portal.integrations.testgateway import provider, signing
from invoice_portal.integrations.testgateway.settings import current_settings

if TYPE_CHECKING:
    from invoice_portal.payments.models import Checkout, Payment

KINDS = {
    "checkout.completed": EventKind.CHECKOUT_SUCCEEDED,
    "payment.succeeded": EventKind.CHECKOUT_SUCCEEDED,
    "payment.processing": EventKind.CHECKOUT_PROCESSING,
    "payment.failed": EventKind.CHECKOUT_FAILED,
    "checkout.canceled": EventKind.CHECKOUT_CANCELED,
    "checkout.expired": EventKind.CHECKOUT_EXPIRED,
    "refund.succeeded": EventKind.REFUND_SUCCEEDED,
}


def _malformed(detail: str) -> GatewayError:
    return GatewayError(f"The webhook body is not a test gateway event: {detail}.", retryable=False, code="webhook_malformed")


class TestGateway:
    __test__ = False  # not a pytest class

    name = "test"
    label = "Test gateway (no real money)"

    def _enabled(self) -> None:
        if not current_settings().enabled:
            raise GatewayNotConfigured("The test gateway is switched off here (TEST_GATEWAY_ENABLED, TEST_GATEWAY_WEBHOOK_SECRET).")

    def minimum_charge(self, currency: str) -> Decimal:
        return Decimal(1).scaleb(-minor_digits(currency))

    def start_checkout(self, checkout: Checkout) -> StartedCheckout:
        self._enabled()
        session = provider.session_create(checkout)
        return StartedCheckout(redirect_url=provider.session_url(session), provider_reference=session.id)

    def refund(self, payment: Payment, amount: Decimal) -> str:
        self._enabled()
        return provider.refund_create(payment_id=payment.gateway_reference, amount=amount, currency=payment.currency)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent:
        config = current_settings()
        self._enabled()
        signing.verify(body, header(headers, signing.HEADER), config.webhook_secret, tolerance=config.tolerance)
        payload = webhook_json(body, gateway=self.name)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise _malformed("no data")
        event_id, event_type, data = payload.get("id"), payload.get("type"), payload["data"]
        if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
            raise _malformed("no id or type")
        return _event(event_id, event_type, data, payload)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value if isinstance(value, str) else ""


def _event(event_id: str, event_type: str, data: Mapping[str, Any], payload: dict[str, Any]) -> VerifiedEvent:
    kind = KINDS.get(event_type, EventKind.IGNORED)
    currency = _text(data, "currency")
    amount: Decimal | None = None
    try:
        if currency:
            check_currency(currency)
        if data.get("amount") is not None:
            if not currency:
                raise _malformed("an amount without a currency")
            amount = parse_money(data["amount"], currency)
    except DomainError as exc:
        raise _malformed(exc.message) from None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    raw_checkout = str((metadata or {}).get("checkout_id", ""))
    return VerifiedEvent(
        event_id=event_id, kind=kind, event_type=event_type, payload=payload,
        checkout_id=parse_id(raw_checkout), provider_reference=_text(data, "session"),
        payment_reference=_text(data, "payment"), amount=amount, currency=currency, refund_reference=_text(data, "refund"),
        details={"reason": _text(data, "reason")},
    )  # fmt: skip
