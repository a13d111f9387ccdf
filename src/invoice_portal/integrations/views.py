"""What every connector's webhook view does: read the raw body, hand it to the inbox, answer the provider."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from invoice_portal.integrations.gateways.base import GatewayError, GatewayNotConfigured, WebhookSignatureError
from invoice_portal.integrations.webhooks import webhook_receive


def receive(request: HttpRequest, gateway: str) -> JsonResponse:
    """200 when the event is recorded (new or not), 400 when it does not verify, 503 when a retry may help."""
    try:
        result = webhook_receive(gateway=gateway, body=request.body, headers=request.headers)
    except WebhookSignatureError as exc:
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=400)
    except GatewayNotConfigured as exc:
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=404)
    except GatewayError as exc:
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=503 if exc.retryable else 400)
    return JsonResponse({"status": result.outcome, "event": result.event_id, "detail": result.detail}, status=result.status_code)
