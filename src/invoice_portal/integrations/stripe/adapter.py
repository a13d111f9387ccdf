"""Stripe through the official library: Checkout Sessions, signed webhooks, refunds.

The checkout's id travels in the session's ``metadata`` and ``client_reference_id`` and in the
PaymentIntent's metadata, so either ``checkout.session.completed`` or ``payment_intent.succeeded``
identifies it; both usually arrive, and the second changes nothing. Amounts go to Stripe in the
currency's minor units (babel's digits). Requests carry idempotency keys, so a retried call after
a lost response does not open a second session or refund twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import stripe

from invoice_portal.core.ids import parse_id
from invoice_portal.core.money import check_currency, minor_digits
from invoice_portal.integrations.gateways.base import (
    EventKind,
    GatewayError,
    GatewayNotConfigured,
    StartedCheckout,
    VerifiedEvent,
    WebhookSignatureError,
    header,
    return_url_for,
    webhook_json,
)
from invoice_portal.integrations.stripe.settings import current_settings

if TYPE_CHECKING:
    from invoice_portal.payments.models import Checkout, Payment

# Stripe's minimum charge per currency (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
MINIMUMS = {
    "USD": "0.50", "EUR": "0.50", "GBP": "0.30", "AUD": "0.50", "CAD": "0.50", "CHF": "0.50", "NZD": "0.50", "SGD": "0.50",
    "BRL": "0.50", "INR": "0.50", "DKK": "2.50", "NOK": "3.00", "SEK": "3.00", "PLN": "2.00", "CZK": "15.00", "HUF": "175.00",
    "RON": "2.00", "BGN": "1.00", "HKD": "4.00", "MXN": "10.00", "MYR": "2.00", "THB": "10.00", "AED": "2.00", "JPY": "50",
}  # fmt: skip

SUCCEEDED = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
RETRYABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def to_minor(amount: Decimal, currency: str) -> int:
    value = amount.scaleb(minor_digits(currency))
    if value != value.to_integral_value():
        raise GatewayError(f"{amount} {currency} is not a whole number of minor units.", retryable=False)
    return int(value)


def from_minor(value: object, currency: str) -> Decimal:
    if not isinstance(value, int) or isinstance(value, bool):
        raise GatewayError(f"Stripe sent a non-integer amount {value!r}.", retryable=False, code="webhook_malformed")
    return Decimal(value).scaleb(-minor_digits(currency))


def gateway_error(exc: stripe.StripeError) -> GatewayError:
    """A library error as the portal's typed error: connection trouble, rate limits and 5xx may pass on a retry."""
    status = exc.http_status or 0
    retryable = isinstance(exc, RETRYABLE) or status >= 500 or status == 409
    message = exc.user_message or str(exc) or type(exc).__name__
    return GatewayError(f"Stripe: {message}", retryable=retryable, code=f"stripe_{exc.code or type(exc).__name__}".lower()[:60])


class StripeGateway:
    name = "stripe"
    label = "Stripe"

    def _client(self) -> stripe.StripeClient:
        config = current_settings()
        if not config.api_key:
            raise GatewayNotConfigured("Stripe is not configured: set STRIPE_API_KEY.")
        base = {"api": config.api_base} if config.api_base else None
        return stripe.StripeClient(config.api_key, base_addresses=base, max_network_retries=config.max_network_retries)  # type: ignore[arg-type]

    def minimum_charge(self, currency: str) -> Decimal:
        return Decimal(MINIMUMS.get(currency, "0")) or Decimal(1).scaleb(-minor_digits(currency))

    def start_checkout(self, checkout: Checkout) -> StartedCheckout:
        return_url = return_url_for(checkout)
        if not return_url.startswith(("https://", "http://")):
            raise GatewayError("Stripe needs an absolute return URL (https://…).", retryable=False, code="stripe_return_url")
        currency = checkout.currency
        metadata = {"checkout_id": str(checkout.pk), "company_id": str(checkout.company_id)}
        lines = [line for line in checkout.lines.select_related("invoice").order_by("pk") if line.amount > 0]
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": str(checkout.pk),
            "metadata": metadata,
            "payment_intent_data": {
                "metadata": metadata,
                "description": f"Checkout #{checkout.pk}: {', '.join(str(ln.invoice) for ln in lines)}"[:1000],
            },
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor(line.amount, currency),
                        "product_data": {"name": f"Invoice {line.invoice}"},
                    },
                }
                for line in lines
            ],
            "success_url": return_url,
            "cancel_url": return_url,
            "expires_at": int(checkout.expires_at.timestamp()),
        }
        email = getattr(checkout.created_by, "email", "")
        if email:
            params["customer_email"] = email
        try:
            session = self._client().v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": f"invoice-portal-checkout-{checkout.pk}"},
            )
        except stripe.StripeError as exc:
            raise gateway_error(exc) from exc
        if not session.id or not session.url:
            raise GatewayError("Stripe answered without a session id or URL.", retryable=True)
        return StartedCheckout(redirect_url=session.url, provider_reference=session.id)

    def refund(self, payment: Payment, amount: Decimal) -> str:
        params: dict[str, Any] = {
            "payment_intent": payment.gateway_reference,
            "amount": to_minor(amount, payment.currency),
            "metadata": {"payment_id": str(payment.pk)},
        }
        # The same payment, state and amount make the same key: a retry after a lost answer returns the first refund.
        key = f"invoice-portal-refund-{payment.pk}-{payment.refunded_amount}-{amount}"
        try:
            refund = self._client().v1.refunds.create(params=params, options={"idempotency_key": key})  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise gateway_error(exc) from exc
        if refund.status in ("failed", "canceled"):
            raise GatewayError(f"Stripe refused the refund ({refund.status}).", retryable=False, code="stripe_refund_failed")
        return refund.id

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent:
        config = current_settings()
        if not config.webhook_secret:
            raise GatewayNotConfigured("Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET.")
        try:
            stripe.Webhook.construct_event(body, header(headers, "Stripe-Signature"), config.webhook_secret, tolerance=config.tolerance)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(f"Stripe signature: {exc.user_message or exc}") from None
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise GatewayError("The Stripe webhook body is not an event.", retryable=False, code="webhook_malformed") from None
        return to_event(webhook_json(body, gateway=self.name))


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if isinstance(value, Mapping):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _checkout_id(obj: Mapping[str, Any]) -> int | None:
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    raw = str((metadata or {}).get("checkout_id") or obj.get("client_reference_id") or "")
    return parse_id(raw)


def _currency(obj: Mapping[str, Any]) -> str:
    code = _str(obj, "currency").upper()
    try:
        return check_currency(code) if code else ""
    except Exception:  # noqa: BLE001 - an unknown code is a malformed event, reported below
        raise GatewayError(f"Stripe sent an unknown currency '{code}'.", retryable=False, code="webhook_malformed") from None


def to_event(payload: Any) -> VerifiedEvent:
    """A verified Stripe event in the portal's terms (unknown types become ``IGNORED``)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict) or not isinstance(payload["data"].get("object"), dict):
        raise GatewayError("The Stripe webhook body has no data.object.", retryable=False, code="webhook_malformed")
    event_id, event_type, obj = _str(payload, "id"), _str(payload, "type"), payload["data"]["object"]
    if not event_id or not event_type:
        raise GatewayError("The Stripe webhook body has no id or type.", retryable=False, code="webhook_malformed")
    base: dict[str, Any] = {"event_id": event_id, "event_type": event_type, "payload": payload}
    if event_type.startswith("checkout.session."):
        currency = _currency(obj)
        kind = {
            "checkout.session.async_payment_failed": EventKind.CHECKOUT_FAILED,
            "checkout.session.expired": EventKind.CHECKOUT_EXPIRED,
        }.get(event_type, EventKind.IGNORED)
        if event_type in SUCCEEDED:
            paid = obj.get("payment_status") in ("paid", "no_payment_required")
            kind = EventKind.CHECKOUT_SUCCEEDED if paid else EventKind.CHECKOUT_PROCESSING
        amount = from_minor(obj.get("amount_total"), currency) if kind == EventKind.CHECKOUT_SUCCEEDED and currency else None
        return VerifiedEvent(
            **base, kind=kind, checkout_id=_checkout_id(obj), provider_reference=_str(obj, "id"),
            payment_reference=_str(obj, "payment_intent"), amount=amount, currency=currency,
        )  # fmt: skip
    if event_type.startswith("payment_intent."):
        currency = _currency(obj)
        kind = {
            "payment_intent.succeeded": EventKind.CHECKOUT_SUCCEEDED,
            "payment_intent.processing": EventKind.CHECKOUT_PROCESSING,
            "payment_intent.canceled": EventKind.CHECKOUT_CANCELED,
        }.get(event_type, EventKind.IGNORED)  # payment_failed: the buyer may try another card on the same page
        amount = from_minor(obj.get("amount_received"), currency) if kind == EventKind.CHECKOUT_SUCCEEDED and currency else None
        return VerifiedEvent(
            **base, kind=kind, checkout_id=_checkout_id(obj), payment_reference=_str(obj, "id"), amount=amount, currency=currency,
            details={"reason": _str(obj, "cancellation_reason")},
        )  # fmt: skip
    if event_type in ("refund.created", "refund.updated") and obj.get("status") == "succeeded":
        currency = _currency(obj)
        return VerifiedEvent(
            **base, kind=EventKind.REFUND_SUCCEEDED, refund_reference=_str(obj, "id"), payment_reference=_str(obj, "payment_intent"),
            amount=from_minor(obj.get("amount"), currency) if currency else None, currency=currency,
        )  # fmt: skip
    return VerifiedEvent(**base, kind=EventKind.IGNORED)
