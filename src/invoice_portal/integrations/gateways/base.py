"""The payment gateway interface: what every connector under ``integrations/<name>/`` implements.

A gateway does three things for the checkout domain (``payments.checkout``):

- ``start_checkout(checkout)``: open a hosted payment page for the checkout's amount and return
  where to send the buyer, with the provider's reference for that session;
- ``parse_webhook(body, headers)``: verify a webhook's signature and turn it into a
  ``VerifiedEvent`` (or raise ``WebhookSignatureError``);
- ``refund(payment, amount)``: give money back through the provider and return its refund id.

Every failure is a ``GatewayError`` whose ``retryable`` says whether trying again may help.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from invoice_portal.core.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from invoice_portal.payments.models import Checkout, Payment


class GatewayError(DomainError):
    """The gateway refused or could not be reached. ``retryable``: whether the same call may succeed later."""

    code = "gateway_error"
    status = 502
    title = "The payment gateway could not carry out the request"

    def __init__(self, message: str, *, retryable: bool, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retryable = retryable


class WebhookSignatureError(GatewayError):
    """A webhook whose signature, timestamp or body does not verify. Never retryable: it is not from the provider."""

    code = "webhook_signature_invalid"
    status = 400
    title = "The webhook could not be verified"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class GatewayNotConfigured(GatewayError):
    code = "gateway_not_configured"
    status = 503
    title = "The payment gateway is not configured"

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class EventKind(StrEnum):
    """What a provider's event means for a checkout, whatever the provider calls it."""

    CHECKOUT_SUCCEEDED = "checkout_succeeded"  # money captured
    CHECKOUT_PROCESSING = "checkout_processing"  # submitted, outcome not known yet: nothing changes
    CHECKOUT_FAILED = "checkout_failed"
    CHECKOUT_CANCELED = "checkout_canceled"
    CHECKOUT_EXPIRED = "checkout_expired"
    REFUND_SUCCEEDED = "refund_succeeded"
    IGNORED = "ignored"  # an event type the portal does not act on


MAX_EVENT_ID = 255  # GatewayEvent.event_id


def webhook_json(body: bytes, *, gateway: str) -> Any:
    """The parsed JSON of a verified webhook body; anything unreadable (too deep, huge numbers, not UTF-8) is malformed.

    A malformed event is answered 400 once, never a 500 the provider would retry forever.
    """
    malformed = GatewayError(f"The {gateway} webhook body is not an event this portal can read.", retryable=False, code="webhook_malformed")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise malformed from None


@dataclass(frozen=True)
class VerifiedEvent:
    """A webhook whose signature verified, in the portal's terms."""

    event_id: str
    kind: EventKind
    event_type: str  # the provider's own name for it
    payload: dict[str, Any]
    checkout_id: int | None = None  # from the metadata we gave the provider
    provider_reference: str = ""  # the provider's checkout session
    payment_reference: str = ""  # the provider's payment (what refunds name)
    amount: Decimal | None = None
    currency: str = ""
    refund_reference: str = ""
    occurred_at: dt.datetime | None = None
    details: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.event_id or len(self.event_id) > MAX_EVENT_ID:
            raise GatewayError(f"The webhook's event id must be 1 to {MAX_EVENT_ID} characters.", retryable=False, code="webhook_malformed")


@dataclass(frozen=True)
class StartedCheckout:
    redirect_url: str
    provider_reference: str


class Gateway(Protocol):
    """The small interface of a payment connector."""

    name: str
    label: str

    def minimum_charge(self, currency: str) -> Decimal:
        """The smallest amount the provider charges in ``currency``."""
        ...

    def start_checkout(self, checkout: Checkout) -> StartedCheckout: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent: ...

    def refund(self, payment: Payment, amount: Decimal) -> str: ...


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by case-insensitive name (requests give ``Stripe-Signature``, in-process callers may not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def return_url_for(checkout: Checkout) -> str:
    """Where the provider sends the buyer back: the checkout's return URL with ``checkout=<id>`` added."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(checkout.return_url or "/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "checkout"]
    query.append(("checkout", str(checkout.pk)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
