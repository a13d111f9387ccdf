from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _gateway_settings(settings: Any) -> None:
    """The suite's own secrets: nothing depends on the development defaults or the environment."""
    settings.PAYMENT_GATEWAY = "test"
    settings.TEST_GATEWAY_ENABLED = True
    settings.TEST_GATEWAY_WEBHOOK_SECRET = "whsec_suite_test_gateway"  # noqa: S105 - a test secret
    settings.STRIPE_API_KEY = "sk_test_suite"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_suite_stripe"  # noqa: S105 - a test secret
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # a closed port unless a test starts the fake server
    settings.STRIPE_MAX_NETWORK_RETRIES = 0


@pytest.fixture
def personas(db: Any) -> Any:
    """The suite's personas, on a database that may have been flushed by an earlier run's transactional tests
    (``--reuse-db`` keeps the flushed state, and the built-in roles come from a data migration)."""
    from invoice_portal.accounts.services import roles_ensure_builtin
    from invoice_portal.testing import make_personas

    roles_ensure_builtin()
    return make_personas()
