from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt

from invoice_portal.api.main import api
from invoice_portal.api.problems import not_found


@csrf_exempt
def unknown_endpoint(request: HttpRequest, rest: str) -> HttpResponse:
    return not_found(f"There is no API endpoint at {request.path}; see /api/v1/docs.")


urlpatterns: list[URLPattern | URLResolver] = [
    path("", api.urls),
    # Anything the API does not route still answers in the API's error format.
    re_path(r"^(?P<rest>.*)$", unknown_endpoint),
]
