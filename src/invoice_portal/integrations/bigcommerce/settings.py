"""BigCommerce connector settings (read through ``integrations.conf.setting``: Django settings, else the environment).

| setting | default | |
| --- | --- | --- |
| ``BIGCOMMERCE_API_BASE`` | ``https://api.bigcommerce.com`` | the REST API host new connections use (tests: a local fake) |
| ``BIGCOMMERCE_B2B_API_BASE`` | ``https://api-b2b.bigcommerce.com`` | the B2B Edition API host |
| ``BIGCOMMERCE_TIMEOUT`` | ``20`` | seconds per request |
| ``BIGCOMMERCE_MAX_ATTEMPTS`` | ``5`` | tries per request on 429 and 5xx before giving up (retryable) |
| ``BIGCOMMERCE_MAX_WAIT`` | ``60`` | the longest single wait the client honours (seconds) |
"""

from __future__ import annotations

from invoice_portal.integrations.conf import int_setting, setting

DEFAULT_API_BASE = "https://api.bigcommerce.com"
DEFAULT_B2B_API_BASE = "https://api-b2b.bigcommerce.com"


def api_base() -> str:
    return str(setting("BIGCOMMERCE_API_BASE", DEFAULT_API_BASE)).rstrip("/")


def b2b_api_base() -> str:
    return str(setting("BIGCOMMERCE_B2B_API_BASE", DEFAULT_B2B_API_BASE)).rstrip("/")


def timeout() -> int:
    return int_setting("BIGCOMMERCE_TIMEOUT", 20)


def max_attempts() -> int:
    return max(1, int_setting("BIGCOMMERCE_MAX_ATTEMPTS", 5))


def max_wait() -> int:
    return max(1, int_setting("BIGCOMMERCE_MAX_WAIT", 60))
