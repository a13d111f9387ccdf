"""BigCommerce connector settings (read through ``integrations.conf.setting``: Django settings, else the environment).

| setting | default | |
| --- | --- | --- |
| ``BIGCOMMERCE_API_BASE`` | ``https://api.bigcommerce.com`` | the REST API host new connections use (tests: a local fake) |
| ``BIGCOMMERCE_B2B_API_BASE`` | ``https://api-b2b.bigcommerce.com`` | the B2B Edition API host |
| ``BIGCOMMERCE_TIMEOUT`` | ``20`` | seconds per request |
| ``BIGCOMMERCE_MAX_ATTEMPTS`` | ``5`` | tries per request on 429 and 5xx before giving up (retryable) |
| ``BIGCOMMERCE_MAX_WAIT`` | ``60`` | the longest single wait the client honours (seconds) |
| ``BIGCOMMERCE_WEBHOOK_HEADER`` | ``X-Portal-Webhook-Secret`` | the custom header carrying the webhook secret |
| ``BIGCOMMERCE_WEBHOOK_MAX_AGE`` | ``172800`` | how old (s) a delivery's ``created_at`` may be; the store retries ~48 h |

The paths of the two APIs are constants below (``ORDERS_V2_PATH``, ``B2B_PATH`` and the B2B Edition
lookups): the one place to change should the store move them; the hosts are the settings above.
"""

from __future__ import annotations

from invoice_portal.integrations.conf import int_setting, setting

DEFAULT_API_BASE = "https://api.bigcommerce.com"
DEFAULT_B2B_API_BASE = "https://api-b2b.bigcommerce.com"
DEFAULT_WEBHOOK_HEADER = "X-Portal-Webhook-Secret"
# The REST Management API, Orders v2: ``{api_base}/stores/{store_hash}/v2/…``.
ORDERS_V2_PATH = "/stores/{store_hash}/v2/"
# B2B Edition server-to-server API: ``{b2b_api_base}/api/v3/io/…``, authenticated with the store's API
# account token (``X-Auth-Token``) and ``X-Store-Hash`` (the older ``authToken`` header is deprecated).
B2B_PATH = "/api/v3/io/"
B2B_USER_BY_CUSTOMER = "users/customer/{customer_id}"  # "Get User Details by BigCommerce Customer ID": data.companyId
B2B_COMPANY = "companies/{company_id}"  # "Get Company Details": data.companyName
# A webhook's ``created_at`` may be this far ahead of our clock (clock skew), no further.
WEBHOOK_FUTURE_SKEW_SECONDS = 300


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


def webhook_header() -> str:
    return str(setting("BIGCOMMERCE_WEBHOOK_HEADER", DEFAULT_WEBHOOK_HEADER)).strip() or DEFAULT_WEBHOOK_HEADER


def webhook_max_age() -> int:
    return max(60, int_setting("BIGCOMMERCE_WEBHOOK_MAX_AGE", 172800))
