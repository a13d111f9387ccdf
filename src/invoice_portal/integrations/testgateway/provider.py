"""The test gateway playing the provider: hosted sessions, signed webhooks, deliveries on request.

A real provider keeps its sessions, takes the buyer's choice on its own page, and then calls the
merchant's webhook endpoint with a signed event — sometimes late, sometimes twice, sometimes out of
order. This module does the same in-process: ``deliver`` signs the stored body at delivery time
and hands it to ``webhook_receive``, the function behind ``POST /integrations/testgateway/webhook/``.

Deliveries on request, for demos and tests:

- ``twice``: every event is delivered two times (a provider retrying after a lost response);
- ``reverse``: the events of one action are delivered newest first (reordering on the wire);
- ``hold``: nothing is delivered now; ``invoice-portal testgateway deliver`` sends them later;
- ``event_emit``: any event for any session, e.g. a success after a cancel.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from invoice_portal.core.errors import Conflict, NotFound
from invoice_portal.core.money import as_str
from invoice_portal.integrations.gateways.base import GatewayError, return_url_for
from invoice_portal.integrations.testgateway import signing
from invoice_portal.integrations.testgateway.models import SessionStatus, SimulatedSession, SimulatedWebhook
from invoice_portal.integrations.testgateway.settings import current_settings

if TYPE_CHECKING:
    from invoice_portal.payments.models import Checkout

logger = logging.getLogger(__name__)

GATEWAY = "test"
OUTCOMES = {
    "succeed": (SessionStatus.SUCCEEDED, ["checkout.completed", "payment.succeeded"]),
    "fail": (SessionStatus.FAILED, ["payment.failed"]),
    "cancel": (SessionStatus.CANCELED, ["checkout.canceled"]),
}
EVENT_TYPES = (
    "checkout.completed", "payment.succeeded", "payment.processing", "payment.failed", "checkout.canceled",
    "checkout.expired", "refund.succeeded",
)  # fmt: skip


def _token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def session_create(checkout: Checkout) -> SimulatedSession:
    lines = [
        {"label": f"Invoice {line.invoice}", "amount": as_str(line.amount, checkout.currency)}
        for line in checkout.lines.select_related("invoice").order_by("pk")
        if line.amount > 0
    ]
    return SimulatedSession.objects.create(
        id=_token("tgcs"), payment_id=_token("tgpi"), amount=checkout.amount, currency=checkout.currency,
        description=f"{checkout.company} — checkout #{checkout.pk}", lines=lines,
        metadata={"checkout_id": str(checkout.pk)}, return_url=return_url_for(checkout), expires_at=checkout.expires_at,
    )  # fmt: skip


def session_url(session: SimulatedSession) -> str:
    return reverse("integrations:testgateway-checkout", args=[session.id])


def session_get(session_id: str) -> SimulatedSession:
    session = SimulatedSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound("This checkout session does not exist.")
    return session


def _body(session: SimulatedSession | None, event_type: str, event_id: str, extra: dict[str, Any] | None = None) -> str:
    data: dict[str, Any] = {}
    if session is not None:
        data = {
            "session": session.id, "payment": session.payment_id, "amount": as_str(session.amount, session.currency),
            "currency": session.currency, "metadata": session.metadata,
        }  # fmt: skip
    data.update(extra or {})
    return json.dumps({"id": event_id, "type": event_type, "created": int(time.time()), "data": data}, separators=(",", ":"))


def event_emit(
    *, session: SimulatedSession | None, event_type: str, hold: bool = True, extra: dict[str, Any] | None = None
) -> SimulatedWebhook:
    """Create one signed-on-delivery event (held until ``deliver`` unless ``hold`` is false and it is delivered now)."""
    event_id = _token("evt_tg")
    webhook = SimulatedWebhook.objects.create(
        event_id=event_id, event_type=event_type, session=session, body=_body(session, event_type, event_id, extra), held=True
    )
    if not hold:
        deliver(webhook)
    return webhook


def session_expire_if_due(session: SimulatedSession) -> SimulatedSession:
    """An open session past its expiry closes and tells the merchant, as a provider does."""
    if session.status == SessionStatus.OPEN and session.expires_at <= timezone.now():
        if SimulatedSession.objects.filter(pk=session.pk, status=SessionStatus.OPEN).update(
            status=SessionStatus.EXPIRED, completed_at=timezone.now()
        ):
            event_emit(session=session, event_type="checkout.expired", hold=False)
        session.refresh_from_db()
    return session


def session_complete(*, session_id: str, outcome: str, twice: bool = False, reverse: bool = False, hold: bool = False) -> SimulatedSession:
    """The buyer chose on the hosted page: the session ends once, and its events go out (as requested)."""
    if outcome not in OUTCOMES:
        raise Conflict(f"'{outcome}' is not a choice on this page.")
    status, event_types = OUTCOMES[outcome]
    session = session_expire_if_due(session_get(session_id))
    with transaction.atomic():
        if not SimulatedSession.objects.filter(pk=session.pk, status=SessionStatus.OPEN).update(status=status, completed_at=timezone.now()):
            raise Conflict("This checkout session is already complete.")
        webhooks = [event_emit(session=session, event_type=t, extra={"reason": f"Buyer chose {outcome}"}) for t in event_types]
    session.refresh_from_db()
    if not hold:
        deliver_many(reversed(webhooks) if reverse else webhooks, twice=twice)
    return session


def refund_create(*, payment_id: str, amount: Decimal, currency: str) -> str:
    """Give back part of a paid session's money; the ``refund.succeeded`` webhook follows once the caller commits."""
    with transaction.atomic():
        session = SimulatedSession.objects.select_for_update().filter(payment_id=payment_id).first()
        if session is None or session.status != SessionStatus.SUCCEEDED:
            raise GatewayError(f"The test gateway has no paid payment {payment_id}.", retryable=False, code="no_such_payment")
        if currency != session.currency or session.refunded + amount > session.amount:
            raise GatewayError(
                f"The test gateway cannot refund {amount} {currency} of {payment_id}: "
                f"{session.amount - session.refunded} {session.currency} is left.",
                retryable=False,
                code="refund_exceeds_payment",
            )
        SimulatedSession.objects.filter(pk=session.pk).update(refunded=F("refunded") + amount)
        refund_id = _token("tgre")
        webhook = event_emit(
            session=None, event_type="refund.succeeded",
            extra={"refund": refund_id, "payment": payment_id, "amount": as_str(amount, currency), "currency": currency},
        )  # fmt: skip
        transaction.on_commit(lambda: deliver(webhook))
    return refund_id


def deliver(webhook: SimulatedWebhook) -> int:
    """Sign the event now and post it to the portal's webhook handler; return the HTTP status it answered."""
    from invoice_portal.integrations.gateways.base import GatewayNotConfigured, WebhookSignatureError
    from invoice_portal.integrations.webhooks import webhook_receive

    body = webhook.body.encode()
    headers = {signing.HEADER: signing.sign(body, current_settings().webhook_secret), "Content-Type": "application/json"}
    try:
        status = webhook_receive(gateway=GATEWAY, body=body, headers=headers).status_code
    except WebhookSignatureError:
        status = 400
    except GatewayNotConfigured:
        status = 404
    except Exception:  # a provider records any failure of the endpoint and retries later
        logger.exception("test gateway: delivering %s failed", webhook.event_id)
        status = 500
    delivered = 200 <= status < 300
    SimulatedWebhook.objects.filter(pk=webhook.pk).update(
        attempts=F("attempts") + 1, last_status=status, held=not delivered and webhook.held,
        delivered_at=timezone.now() if delivered else None,
    )  # fmt: skip
    return status


def deliver_many(webhooks: Iterable[SimulatedWebhook], *, twice: bool = False) -> list[tuple[SimulatedWebhook, int]]:
    results = []
    for webhook in list(webhooks):
        for _ in range(2 if twice else 1):
            results.append((webhook, deliver(webhook)))
    return results


def deliver_held(*, event_ids: Iterable[str] = (), reverse: bool = False, twice: bool = False) -> list[tuple[SimulatedWebhook, int]]:
    """Deliver the held events (or the named ones, held or not), oldest first unless ``reverse``."""
    ids = list(event_ids)
    webhooks = SimulatedWebhook.objects.filter(event_id__in=ids) if ids else SimulatedWebhook.objects.filter(held=True)
    ordered = webhooks.order_by("-created_at", "-pk") if reverse else webhooks.order_by("created_at", "pk")
    if ids and len(ordered) != len(set(ids)):
        missing = set(ids) - {w.event_id for w in ordered}
        raise NotFound(f"No test gateway event {', '.join(sorted(missing))}.")
    return deliver_many(ordered, twice=twice)
