from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from invoice_portal.accounts.throttle import client_address
from invoice_portal.audit.context import origin


class AuditChannelMiddleware:
    """Marks every change made while serving a web request as coming from the UI (the API overrides it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with origin("ui", client_address(request)):
            return self.get_response(request)
