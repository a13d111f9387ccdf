"""Integration settings: read from Django settings, else from the environment, else a default.

The connectors' settings (``PAYMENT_GATEWAY``, ``STRIPE_API_KEY``, ``TEST_GATEWAY_WEBHOOK_SECRET``, …)
are named in each connector's ``settings.py``; this is the one place that looks them up, so a test
can override any of them with ``override_settings``.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def setting(name: str, default: Any = None) -> Any:
    if hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def int_setting(name: str, default: int) -> int:
    value = setting(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
