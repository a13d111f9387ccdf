"""The test gateway's pages: its hosted checkout (as a provider would serve it) and its webhook endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.core.errors import Conflict, NotFound
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.integrations.testgateway import provider
from invoice_portal.integrations.testgateway.models import SessionStatus
from invoice_portal.integrations.testgateway.settings import current_settings
from invoice_portal.integrations.views import receive


@never_cache
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, session_id: str) -> HttpResponse:
    """GET shows the amount and the choices; POST takes the buyer's choice, delivers the webhooks and sends the buyer back."""
    if not current_settings().enabled:
        return render(request, "integrations/testgateway/checkout.html", {"error": "The test gateway is switched off."}, status=404)
    try:
        session = provider.session_expire_if_due(provider.session_get(session_id))
    except NotFound as exc:
        return render(request, "integrations/testgateway/checkout.html", {"error": exc.message}, status=404)
    error = ""
    if request.method == "POST":
        try:
            provider.session_complete(
                session_id=session.id, outcome=request.POST.get("outcome", ""), twice=request.POST.get("twice") == "on",
                reverse=request.POST.get("reverse") == "on", hold=request.POST.get("hold") == "on",
            )  # fmt: skip
        except Conflict as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(session.return_url, status=303)
    context = {
        "session": session, "merchant": portal_settings().seller_name, "open": session.status == SessionStatus.OPEN,
        "error": error, "return_url": session.return_url,
    }  # fmt: skip
    return render(request, "integrations/testgateway/checkout.html", context, status=409 if error else 200)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    return receive(request, provider.GATEWAY)
