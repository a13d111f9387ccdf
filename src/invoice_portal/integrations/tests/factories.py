"""Helpers for the integration tests: start a checkout, craft and sign test gateway events."""

from __future__ import annotations

import json
import secrets
import time
from decimal import Decimal
from typing import Any

from django.test import Client

from invoice_portal.integrations.checkout import CheckoutStarted, checkout_start
from invoice_portal.integrations.testgateway import signing
from invoice_portal.integrations.testgateway.models import SimulatedSession
from invoice_portal.invoices.models import Invoice
from invoice_portal.payments.models import Checkout

SECRET = "whsec_suite_test_gateway"
WEBHOOK_URL = "/integrations/testgateway/webhook/"
RETURN_URL = "/portal/pay/return/"


def start(actor: Any, pairs: Any, **kwargs: Any) -> CheckoutStarted:
    return checkout_start(actor=actor, invoices_amounts=pairs, return_url=RETURN_URL, **kwargs)


def session_of(checkout: Checkout) -> SimulatedSession:
    return SimulatedSession.objects.get(pk=Checkout.objects.get(pk=checkout.pk).provider_reference)


def fresh(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def event_body(event_type: str, session: SimulatedSession | None = None, /, *, event_id: str | None = None, **data: Any) -> bytes:
    payload: dict[str, Any] = {}
    if session is not None:
        payload = {
            "session": session.id, "payment": session.payment_id, "amount": f"{session.amount:.2f}", "currency": session.currency,
            "metadata": session.metadata,
        }  # fmt: skip
    payload.update(data)
    event = {"id": event_id or f"evt_tg_{secrets.token_hex(6)}", "type": event_type, "created": int(time.time()), "data": payload}
    return json.dumps(event).encode()


def post_event(client: Client, body: bytes, *, secret: str = SECRET, timestamp: int | None = None, header: str | None = None) -> Any:
    value = header if header is not None else signing.sign(body, secret, timestamp=timestamp)
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", headers={"X-Test-Gateway-Signature": value})


def money(value: str) -> Decimal:
    return Decimal(value)
