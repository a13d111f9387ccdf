"""The checkout as the portal pages call it: the domain (``payments.checkout``) plus the gateway round trip.

``checkout_start`` reserves and commits first, then asks the gateway for its hosted page — never
holding row locks across a network call. If the gateway cannot open the page, the checkout is
marked failed at once, so its reservation does not linger until it expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from invoice_portal.audit.services import audit_record
from invoice_portal.core.errors import InvalidTransition, RefundExceedsPayment, ValidationFailed
from invoice_portal.core.money import ZERO, as_str, parse_money
from invoice_portal.integrations.conf import int_setting
from invoice_portal.integrations.gateways.base import GatewayError, return_url_for
from invoice_portal.integrations.gateways.registry import get_gateway
from invoice_portal.payments.checkout import checkout_attach, checkout_close, checkout_open, gateway_refund_record
from invoice_portal.payments.models import SETTLED_STATUSES, Checkout, CheckoutStatus, Payment
from invoice_portal.payments.services import payment_refund


@dataclass(frozen=True)
class CheckoutStarted:
    checkout: Checkout
    redirect_url: str  # the gateway's hosted page, or straight back to the return page when credit paid it all


def checkout_ttl() -> dt.timedelta:
    """How long a checkout reserves its amounts (``CHECKOUT_TTL_MINUTES``, 60 by default; Stripe needs 30 to 1440)."""
    return dt.timedelta(minutes=min(max(int_setting("CHECKOUT_TTL_MINUTES", 60), 30), 24 * 60))


def _check_return_url(return_url: str) -> str:
    if not isinstance(return_url, str) or not return_url or len(return_url) > 1500:
        raise ValidationFailed("return_url: where the gateway sends the buyer back is required.", field="return_url")
    relative = return_url.startswith("/") and not return_url.startswith("//")
    if not relative and not return_url.startswith(("https://", "http://")):
        raise ValidationFailed("return_url: a path on this site or an http(s) URL is expected.", field="return_url")
    return return_url


def checkout_start(
    *, actor: Any, invoices_amounts: Any, return_url: str, apply_credit: object = "0", gateway: str | None = None
) -> CheckoutStarted:
    """Start paying invoices online: reserve the amounts, apply the credit chosen, open the gateway's page.

    ``invoices_amounts``: (invoice or id, amount) pairs, ``{"invoice", "amount"}`` dicts or a mapping.
    ``return_url``: where the gateway sends the buyer back; ``checkout=<id>`` is added to it.
    Raises ``NotFound`` for an invoice the buyer may not pay, ``AllocationExceedsBalance`` beyond what
    can still be paid (pending checkouts included), ``InvalidAmount``, ``CurrencyMismatch``,
    ``InvoiceNotPayable``, ``PermissionDenied``, or ``GatewayError`` (``retryable`` says whether to retry).
    """
    adapter = get_gateway(gateway)
    checkout = checkout_open(
        actor=actor, invoices_amounts=invoices_amounts, gateway=adapter.name, return_url=_check_return_url(return_url),
        expires_at=timezone.now() + checkout_ttl(), apply_credit=apply_credit, minimum_charge=adapter.minimum_charge,
    )  # fmt: skip
    if checkout.amount == ZERO:  # the account's credit paid it all
        return CheckoutStarted(checkout, return_url_for(checkout))
    try:
        started = adapter.start_checkout(checkout)
    except Exception as exc:
        checkout_close(actor=actor, checkout_id=checkout.pk, status=CheckoutStatus.FAILED, reason=f"The gateway refused: {exc}")
        raise
    checkout = checkout_attach(checkout=checkout, provider_reference=started.provider_reference, redirect_url=started.redirect_url)
    return CheckoutStarted(checkout, started.redirect_url)


def payment_refund_through_gateway(*, actor: Any, payment: Payment, amount: object, reason: str = "") -> Payment:
    """Give money of a gateway payment back through its gateway, then record the refund (once, even if the
    provider's refund webhook got here first)."""
    payment = Payment.objects.get(pk=payment.pk)
    if not payment.gateway or not payment.gateway_reference:
        raise InvalidTransition(f"Payment #{payment.pk} did not come through a gateway; refund it as an offline payment.")
    if payment.status not in SETTLED_STATUSES:
        raise InvalidTransition(f"Payment #{payment.pk} is {payment.get_status_display().lower()}; it cannot be refunded.")
    value = parse_money(amount, payment.currency)
    if value == ZERO:
        raise ValidationFailed("amount: a refund is above zero.", field="amount")
    refundable = payment.amount - payment.refunded_amount
    if value > refundable:
        raise RefundExceedsPayment(
            f"Payment #{payment.pk} has {as_str(refundable, payment.currency)} {payment.currency} left to refund, "
            f"not {as_str(value, payment.currency)}."
        )
    adapter = get_gateway(payment.gateway)
    refund_id = adapter.refund(payment, value)
    audit_record(
        actor=actor, obj=payment, action="payment.refund_request",
        after={"gateway": payment.gateway, "refund_reference": refund_id, "amount": as_str(value, payment.currency), "reason": reason},
    )  # fmt: skip
    gateway_refund_record(actor=actor, payment=payment, amount=value, refund_reference=refund_id, reason=reason)
    payment.refresh_from_db()
    return payment


__all__ = ["CheckoutStarted", "GatewayError", "checkout_start", "checkout_ttl", "payment_refund_through_gateway"]


def payment_refund_anyhow(*, actor: Any, payment: Payment, amount: object, reason: str = "") -> Payment:
    """Refund a payment the way its money came: through its gateway when it came from one, else offline.

    The one refund entry point for pages and the API, so a card payment is never marked refunded
    without the money going back through the provider.
    """
    if payment.gateway and payment.gateway_reference:
        return payment_refund_through_gateway(actor=actor, payment=payment, amount=amount, reason=reason)
    return payment_refund(actor=actor, payment=payment, amount=amount, reason=reason)
