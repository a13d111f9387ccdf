"""The test gateway's webhook signature: ``X-Test-Gateway-Signature: t=<unix time>,v1=<hex>``.

``v1`` is HMAC-SHA256 over ``f"{t}.{body}"`` with the shared secret (the Stripe scheme): the
timestamp is signed too, so an old delivery cannot be replayed with a fresh time. Several ``v1``
entries may be given (a secret being rotated); one must match.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from invoice_portal.integrations.gateways.base import WebhookSignatureError

HEADER = "X-Test-Gateway-Signature"


def signature(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The header value for ``body`` signed now (or at ``timestamp``)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={signature(body, secret, ts)}"


def verify(body: bytes, header_value: str, secret: str, *, tolerance: int, now: float | None = None) -> int:
    """Check a signature header; return its timestamp or raise ``WebhookSignatureError``."""
    if not header_value:
        raise WebhookSignatureError(f"The {HEADER} header is missing.")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header_value.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:  # "²" is a digit to isdigit()
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookSignatureError(f"The {HEADER} header has no timestamp or no v1 signature.")
    expected = signature(body, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookSignatureError("The signature does not match the body (tampered, or signed with another secret).")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise WebhookSignatureError(f"The signature's timestamp is more than {tolerance} seconds away from now (a replay?).")
    return timestamp
