"""Settings of the Stripe connector.

``STRIPE_API_KEY`` (secret key), ``STRIPE_WEBHOOK_SECRET`` (the endpoint's ``whsec_…``),
``STRIPE_API_BASE`` (only for tests: a local fake server), ``STRIPE_WEBHOOK_TOLERANCE`` (seconds,
300), ``STRIPE_MAX_NETWORK_RETRIES`` (the library's own retries of connection errors and 5xx, 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from invoice_portal.integrations.conf import int_setting, setting


@dataclass(frozen=True)
class StripeSettings:
    api_key: str
    webhook_secret: str
    api_base: str
    tolerance: int
    max_network_retries: int


def current_settings() -> StripeSettings:
    return StripeSettings(
        api_key=str(setting("STRIPE_API_KEY", "") or ""),
        webhook_secret=str(setting("STRIPE_WEBHOOK_SECRET", "") or ""),
        api_base=str(setting("STRIPE_API_BASE", "") or ""),
        tolerance=int_setting("STRIPE_WEBHOOK_TOLERANCE", 300),
        max_network_retries=int_setting("STRIPE_MAX_NETWORK_RETRIES", 2),
    )
