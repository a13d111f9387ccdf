"""Errors as ``application/problem+json`` (RFC 9457): one shape for every failure the API reports.

``{"type", "title", "status", "detail", "code", "errors": [{"field", "message"}]}`` — ``code`` is the
stable machine-readable reason (a DomainError's code), ``errors`` lists per-field problems.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from invoice_portal.core.errors import DomainError, ValidationFailed

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:invoice-portal:problem:"

_TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    422: "Invalid input",
    500: "Internal error",
}

# Friendlier words for the patterns our string-typed fields declare (see api.schemas).
PATTERN_MESSAGES: dict[str, str] = {}


def problem(
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [{"field": field, "message": message} for field, message in errors],
        **(extra or {}),
    }
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_path(loc: Sequence[Any]) -> str:
    """("lines", 0, "unit_price") → "lines[0].unit_price", the spelling the domain errors use."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _validation_errors(errors: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for error in errors:
        loc = list(error.get("loc") or [])
        source = loc.pop(0) if loc else ""
        if source == "body" and loc and isinstance(loc[0], str) and loc[0] == "payload":
            loc.pop(0)
        name = field_path(loc) or str(source or "body")
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "string_pattern_mismatch":
            pattern = str((error.get("ctx") or {}).get("pattern", ""))
            message = PATTERN_MESSAGES.get(pattern, message)
        found.append((name, message))
    return found


def from_domain_error(exc: DomainError) -> HttpResponse:
    """An error may list its own problems (``problem_errors``) and add members (``problem_extra``), e.g. the rules an e-invoice breaks."""
    if hasattr(exc, "problem_errors"):
        errors = list(exc.problem_errors())
    elif isinstance(exc, ValidationFailed) and exc.errors:
        errors = list(exc.errors.items())
    else:
        errors = [(exc.field, exc.message)] if exc.field else []
    extra = exc.problem_extra() if hasattr(exc, "problem_extra") else None
    return problem(status=exc.status, code=exc.code, title=exc.title, detail=exc.message, errors=errors, extra=extra)


def not_found(detail: str = "No such object, or not one you can see.") -> HttpResponse:
    return problem(status=404, code="not_found", detail=detail)


def install_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default error answers with problem+json ones; an unexpected error is a logged 500."""

    def on_domain_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return from_domain_error(exc)

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = _validation_errors(list(exc.errors))
        detail = "; ".join(f"{f}: {m}" for f, m in errors[:5]) or "The request does not match the schema."
        return problem(status=422, code="invalid", detail=detail, errors=errors)

    def on_authentication_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(
            status=401,
            code="unauthenticated",
            detail="Send a valid, unrevoked API token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="invoice-portal"'},
        )

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:
            return problem(status=400, code="malformed_request", detail="The request body is not valid JSON.")
        return problem(status=exc.status_code, code=f"http_{exc.status_code}", detail=str(exc))

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return not_found()

    def on_protected(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem(status=409, code="in_use", detail="Other records refer to this object, so it cannot be changed this way.")

    def on_integrity_error(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.warning("IntegrityError answered as 409: %s", exc)
        return problem(status=409, code="conflict", detail="The change conflicts with data that exists already.")

    def on_data_error(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.warning("DataError answered as 422: %s", exc)
        return problem(status=422, code="out_of_range", detail="A value is too large or too long to be stored.")

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("Unhandled error in API call %s %s", request.method, request.path, exc_info=exc)
        return problem(status=500, code="internal_error", detail="Something went wrong on our side; it has been logged.")

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(ProtectedError, on_protected)
    api.add_exception_handler(IntegrityError, on_integrity_error)
    api.add_exception_handler(DataError, on_data_error)
