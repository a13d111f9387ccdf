"""A test URLconf: the imports router on an API built like the real one (token auth, problem+json, idempotency).

The tests do not depend on where the lead mounts the router in ``api.main``; they mount it here.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from invoice_portal.api.auth import TokenAuth, api_call
from invoice_portal.api.main import PortalAPI
from invoice_portal.api.problems import install_handlers

api = PortalAPI(title="Imports (test)", version="test", urls_namespace="imports-test", auth=TokenAuth())
install_handlers(api)
api.add_decorator(api_call, mode="view")
api.add_router("", "invoice_portal.imports.api.router", tags=["imports"])

urlpatterns: list[URLPattern | URLResolver] = [path("api/v1/", api.urls)]
