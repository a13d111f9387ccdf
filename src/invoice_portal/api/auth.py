"""Bearer-token authentication and the wrapper every API call runs in.

The wrapper resolves the token once, makes the token's owner the request's user, marks
every audit event written during the call as coming from that token, reads the portal
settings at most once, and applies the ``Idempotency-Key`` rules to POSTs. The ninja auth
class then only confirms the result, so an endpoint without a valid token answers 401.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja.security import HttpBearer

from invoice_portal.accounts.models import User
from invoice_portal.api.idempotency import BodyTooLarge, endpoint_body_limit, idempotent_call
from invoice_portal.api.models import ApiToken, TokenScope
from invoice_portal.api.problems import body_too_large, database_busy, problem
from invoice_portal.api.services import api_token_resolve
from invoice_portal.audit.context import origin
from invoice_portal.core.busy import is_database_locked
from invoice_portal.core.settings_store import settings_read_once
from invoice_portal.invoices.wording import wording_read_once

logger = logging.getLogger(__name__)
_UNRESOLVED = object()
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_token(request: HttpRequest) -> ApiToken | None:
    """The live token the request carries (resolved once per request)."""
    cached = getattr(request, "_api_token", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cached  # type: ignore[return-value]
    token: ApiToken | None = None
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        token = api_token_resolve(raw.strip())
    request._api_token = token  # type: ignore[attr-defined]
    return token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the owner must be active and the token unrevoked."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        resolved = request_token(request)
        return resolved.user if resolved is not None else None


def api_call(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wraps every operation (ninja "view" decorator: before parsing, so a replay skips the work entirely)."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            token = request_token(request)
            if token is None:
                return run(request, *args, **kwargs)  # ninja's auth answers 401
            request.user = token.user
            if token.scope == TokenScope.READ and request.method not in READ_METHODS:
                return problem(
                    status=403, code="token_read_only",
                    detail="This API token is read-only; create a read-write token to change anything.",
                )  # fmt: skip
            # No endpoint changes the portal settings, so one call reads them once (see core.settings_store);
            # the same for the Admin's words for invoice types and statuses (invoices.wording).
            with origin("api", f"token:{token.pk}"), settings_read_once(), wording_read_once():
                if request.method == "POST":
                    limit = endpoint_body_limit(getattr(getattr(run, "__self__", None), "view_func", None))
                    return idempotent_call(request, token.user, lambda: run(request, *args, **kwargs), limit=limit)
                return run(request, *args, **kwargs)
        except BodyTooLarge as exc:
            return body_too_large(exc.limit)
        except RequestDataTooBig:
            return body_too_large(endpoint_body_limit(None))
        except OperationalError as exc:
            if not is_database_locked(exc):
                logger.exception("Unhandled error around API call %s %s", request.method, request.path)
                return problem(status=500, code="internal_error", detail="Something went wrong on our side; it has been logged.")
            return database_busy()
        except Exception:
            logger.exception("Unhandled error around API call %s %s", request.method, request.path)
            return problem(status=500, code="internal_error", detail="Something went wrong on our side; it has been logged.")

    return wrapper
