"""Which adapter serves a gateway name. The active one for new checkouts is ``settings.PAYMENT_GATEWAY``."""

from __future__ import annotations

from collections.abc import Callable

from invoice_portal.integrations.conf import setting
from invoice_portal.integrations.gateways.base import Gateway, GatewayNotConfigured


def _test() -> Gateway:
    from invoice_portal.integrations.testgateway.adapter import TestGateway

    return TestGateway()


def _stripe() -> Gateway:
    from invoice_portal.integrations.stripe.adapter import StripeGateway

    return StripeGateway()


GATEWAYS: dict[str, Callable[[], Gateway]] = {"test": _test, "stripe": _stripe}


def active_gateway_name() -> str:
    return str(setting("PAYMENT_GATEWAY", "test"))


def get_gateway(name: str | None = None) -> Gateway:
    """The adapter for ``name`` (default: the active gateway). Unknown names are a configuration error."""
    key = name or active_gateway_name()
    factory = GATEWAYS.get(key)
    if factory is None:
        raise GatewayNotConfigured(f"There is no payment gateway called '{key}' (known: {', '.join(sorted(GATEWAYS))}).")
    return factory()
