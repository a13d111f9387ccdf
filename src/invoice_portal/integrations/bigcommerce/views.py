from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoice_portal.core.errors import DomainError, NotFound
from invoice_portal.integrations.stores.base import StoreError
from invoice_portal.integrations.stores.services import store_webhook_receive


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, connection_id: int) -> JsonResponse:
    """One store connection's webhook endpoint: 200 once recorded, 401 unverified, 404 unknown connection."""
    try:
        result = store_webhook_receive(connection_id=connection_id, body=request.body, headers=request.headers)
    except NotFound as exc:
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=404)
    except StoreError as exc:
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=exc.status if not exc.retryable else 503)
    except DomainError as exc:  # e.g. credentials that no longer decrypt: the store retries once they are entered again
        return JsonResponse({"error": exc.code, "detail": exc.message}, status=503)
    return JsonResponse({"status": result.outcome, "delivery": result.delivery_id, "detail": result.detail}, status=result.status_code)
