"""The built-in demo receiver: ``/integrations/webhook-inbox/<name>/`` stores what is POSTed to it and shows it.

It lets the demo (and anyone trying the product on one machine) watch signed deliveries arrive
without a server of their own. Each message is checked against the secrets of the endpoints
whose URL points here, with the Standard Webhooks library, and shown verified or not. It only
exists where loopback delivery is allowed (never in production).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from invoice_portal.seller.permissions import seller_required
from invoice_portal.webhooks.models import InboxMessage, WebhookEndpoint

MAX_BODY = 256 * 1024
KEPT = 200
SHOWN_HEADERS = ("content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature")


def _enabled() -> None:
    if not getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False):
        raise Http404("The demo webhook inbox is off in production.")


def _verify(name: str, body: bytes, headers: dict[str, str]) -> tuple[bool, str]:
    endpoints = [e for e in WebhookEndpoint.objects.all() if e.url.rstrip("/").endswith(f"/webhook-inbox/{name}")]
    if not endpoints:
        return False, "No endpoint points to this inbox."
    error = ""
    for endpoint in endpoints:
        try:
            Webhook(endpoint.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            error = str(exc)
        else:
            return True, ""
    return False, error


@csrf_exempt
def inbox(request: HttpRequest, name: str) -> HttpResponseBase:
    _enabled()
    if request.method == "POST":
        return _receive(request, name)
    return _show(request, name)


def _receive(request: HttpRequest, name: str) -> HttpResponse:
    body = request.body
    if len(body) > MAX_BODY:
        return HttpResponse("Too large", status=413)
    headers = {key.lower(): value for key, value in request.headers.items() if key.lower() in SHOWN_HEADERS}
    verified, error = _verify(name, body, headers)
    InboxMessage.objects.create(
        inbox=name, headers=headers, body=body.decode("utf-8", errors="replace"), verified=verified, verify_error=error[:300]
    )
    stale = InboxMessage.objects.filter(inbox=name).order_by("-pk").values_list("pk", flat=True)[KEPT : KEPT + 1000]
    InboxMessage.objects.filter(pk__in=list(stale)).delete()
    return HttpResponse(status=204 if verified else 400)


@seller_required("integrations.manage")
def _show(request: HttpRequest, name: str) -> HttpResponse:
    messages = []
    for message in InboxMessage.objects.filter(inbox=name).order_by("-received_at", "-pk")[:50]:
        try:
            pretty = json.dumps(json.loads(message.body), indent=2, sort_keys=True)
            event_type = json.loads(message.body).get("type", "")
        except (ValueError, AttributeError):
            pretty, event_type = message.body, ""
        messages.append({"message": message, "pretty": pretty, "type": event_type, "webhook_id": message.headers.get("webhook-id", "")})
    return render(request, "webhooks/inbox.html", {"name": name, "messages": messages})


urlpatterns = [path("<slug:name>/", inbox, name="webhook_inbox")]
