"""Views that know no business noun: the site icon and the answer to a bad request."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.http import require_GET

FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.ico"


@cache
def _favicon() -> bytes:
    return FAVICON.read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on their own whatever a page links; the same file as the pages' icon link."""
    response = HttpResponse(_favicon(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 page, except for a body over the upload limits: that is 413 Content Too Large, said in words.

    Django raises ``RequestDataTooBig`` (a "suspicious operation", so a 400) when a form post's fields are over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` or have too many fields; the API answers the same case itself with a 413
    problem+json before Django reads the body.
    """
    if isinstance(exception, RequestDataTooBig):
        return HttpResponse(render_to_string("413.html", request=request), status=413)
    return defaults.bad_request(request, exception or Exception())
