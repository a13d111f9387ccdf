"""The storefront's way in: POST the current-customer JWT, get a portal session."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.integrations.models import StoreConnection
from invoice_portal.integrations.stores.base import StoreError
from invoice_portal.integrations.stores.identity import StorefrontLoginRefused, storefront_token_verify, storefront_user
from invoice_portal.integrations.stores.registry import store_connector


@csrf_exempt  # the storefront posts from its own origin; the signed, short-lived JWT is what authenticates
@require_POST
def storefront_login(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(StoreConnection, pk=connection_id)
    try:
        customer = storefront_token_verify(connection=connection, token=request.POST.get("token", ""))
        user = storefront_user(connection=connection, connector=store_connector(connection), customer=customer)
    except StorefrontLoginRefused as exc:
        return render(request, "integrations/storefront_refused.html", {"message": exc.message}, status=exc.status)
    except StoreError as exc:
        message = "The store cannot be reached to look up your company; try again in a minute." if exc.retryable else exc.message
        return render(request, "integrations/storefront_refused.html", {"message": message}, status=503 if exc.retryable else 502)
    except DomainError as exc:
        return render(request, "integrations/storefront_refused.html", {"message": exc.message}, status=503)
    login(request, user, backend="invoice_portal.accounts.backends.PortalBackend")
    return redirect("home")
