"""The one place that decides between a full page and an htmx fragment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that wants a fragment (a boosted navigation wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(
    request: HttpRequest, template: str, context: Mapping[str, Any], *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    """Render ``template``, or only ``partial`` (a template under ``portal/partials/``) for htmx requests."""
    name = partial if partial is not None and is_htmx(request) else template
    return render(request, name, dict(context), status=status)
