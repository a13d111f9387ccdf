from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoice_portal.integrations.views import receive


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    """Stripe's webhook endpoint (subscribe it to ``checkout.session.*``, ``payment_intent.succeeded``/``canceled``, ``refund.*``)."""
    return receive(request, "stripe")
