"""Settings of the built-in test gateway.

``TEST_GATEWAY_WEBHOOK_SECRET``: the HMAC key its webhooks are signed with (a fixed development
key outside production). ``TEST_GATEWAY_TOLERANCE``: how old (or how far ahead) a signature's
timestamp may be, in seconds (300). The test gateway takes no real money, so in production it
is off unless ``TEST_GATEWAY_ENABLED`` says otherwise (a public demo).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from invoice_portal.integrations.conf import int_setting, setting

DEV_SECRET = "whsec_test_gateway_development_only"  # noqa: S105 - refused in production below


@dataclass(frozen=True)
class TestGatewaySettings:
    __test__ = False  # not a pytest class

    enabled: bool
    webhook_secret: str
    tolerance: int


def current_settings() -> TestGatewaySettings:
    production = bool(getattr(settings, "PRODUCTION", False))
    enabled = str(setting("TEST_GATEWAY_ENABLED", "0" if production else "1")).lower() in ("1", "true", "yes", "on")
    secret = str(setting("TEST_GATEWAY_WEBHOOK_SECRET", "") or ("" if production else DEV_SECRET))
    return TestGatewaySettings(
        enabled=enabled and bool(secret), webhook_secret=secret, tolerance=int_setting("TEST_GATEWAY_TOLERANCE", 300)
    )
