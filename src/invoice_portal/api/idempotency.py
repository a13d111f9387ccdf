"""``Idempotency-Key`` on POST: the same key and body get the first answer again, without the work.

The key is claimed by inserting its row in the same transaction that does the work and
stores the answer. A concurrent request with the same key blocks on the unique index
until the first one commits, then finds the stored answer and replays it; if the first
one fails (a 5xx), its claim rolls back with its work and the retry does the work.
Keys are per user and kept at least 24 hours.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.api.models import IdempotencyKey
from invoice_portal.api.problems import problem
from invoice_portal.api.services import IDEMPOTENCY_RETENTION

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
_CHUNK = 64 * 1024
_F = TypeVar("_F", bound=Callable[..., Any])


class _Discard(Exception):
    """Leaves the transaction rolled back, carrying the (5xx) answer to send."""

    def __init__(self, response: HttpResponseBase) -> None:
        super().__init__()
        self.response = response


class BodyTooLarge(Exception):
    """The request body is larger than the endpoint accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def body_limit(max_bytes: int) -> Callable[[_F], _F]:
    """Declare that an endpoint accepts bodies up to ``max_bytes`` (default: Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    def mark(view: _F) -> _F:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def endpoint_body_limit(view: object) -> int:
    """The body limit ``view`` declared with ``body_limit``, else Django's in-memory limit."""
    limit = getattr(view, "max_body_bytes", None)
    return limit if isinstance(limit, int) else (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


def read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, read from the stream in chunks and at most ``limit`` bytes (else ``BodyTooLarge``).

    What was read is kept on the request (as Django keeps ``request.body``), so the endpoint parses
    the same bytes, whether it reads ``request.body``, the stream or multipart files.
    """
    if hasattr(request, "_body"):
        body: bytes = request._body
        if len(body) > limit:
            raise BodyTooLarge(limit)
        return body
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body
    request._stream = io.BytesIO(body)
    return body


def _canonical_json(body: bytes) -> bytes | None:
    """A JSON body in one spelling (keys sorted, no spaces); None for anything else, nesting too deep included."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        return None


def request_fingerprint(request: HttpRequest, *, limit: int | None = None) -> str:
    """A hash of what the request asks for: method, path, query and body (JSON compared by content, not spacing).

    The body is read as a stream with the endpoint's ``limit`` (``BodyTooLarge`` beyond it).
    """
    body = read_body(request, endpoint_body_limit(None) if limit is None else limit)
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, query):
        digest.update(part.encode())
        digest.update(b"\x00")
    canonical = _canonical_json(body) if (request.content_type or "").endswith("json") else None
    if canonical is None:
        digest.update(b"raw\x00")
        for start in range(0, len(body), _CHUNK):
            digest.update(body[start : start + _CHUNK])
    else:
        digest.update(b"json\x00")
        digest.update(canonical)
    return digest.hexdigest()


def _claim(user: User, key: str, fingerprint: str, request: HttpRequest) -> IdempotencyKey | None:
    """Insert the key's row; None when the user has used the key already (a concurrent use waits here for its end)."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, request_hash=fingerprint, method=request.method or "", path=request.path[:500]
            )
    except IntegrityError:
        return None


def _existing(user: User, key: str) -> IdempotencyKey | None:
    """The stored answer for a key already used; an expired one is forgotten (and None returned) so the key works again."""
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is not None and row.created_at < timezone.now() - IDEMPOTENCY_RETENTION:
        row.delete()
        return None
    return row


def _replay(row: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if row.request_hash != fingerprint:
        return problem(
            status=422,
            code="idempotency_key_reused",
            detail=f"This {HEADER} was used for a different request; use a new key for a new request.",
            errors=[(HEADER, "already used with another request body or path")],
        )
    if row.response_status is None:  # pragma: no cover - answers are stored in the claiming transaction
        return problem(status=409, code="idempotency_key_in_progress", detail="A request with this key is still being processed.")
    response = HttpResponse(row.response_body, status=row.response_status, content_type=row.response_content_type or None)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent_call(
    request: HttpRequest, user: User, call: Callable[[], HttpResponseBase], *, limit: int | None = None
) -> HttpResponseBase:
    """Run ``call`` once per (user, key); ``limit``: the endpoint's body limit (``BodyTooLarge`` beyond it)."""
    key = request.headers.get(HEADER)
    if key is None:
        return call()
    if not _KEY_RE.match(key):
        return problem(
            status=422,
            code="invalid",
            detail=f"{HEADER}: 1 to 255 printable ASCII characters.",
            errors=[(HEADER, "1 to 255 printable ASCII characters")],
        )
    fingerprint = request_fingerprint(request, limit=limit)
    try:
        with transaction.atomic():
            claimed = _claim(user, key, fingerprint, request)
            if claimed is None:
                existing = _existing(user, key)
            else:
                response = call()
                if response.status_code >= 500 or not isinstance(response, HttpResponse):
                    raise _Discard(response)
                claimed.response_status = response.status_code
                claimed.response_body = response.content.decode()
                claimed.response_content_type = response.get("Content-Type", "")
                claimed.save(update_fields=["response_status", "response_body", "response_content_type"])
                return response
    except _Discard as discard:
        return discard.response
    if existing is None:  # expired, or purged between our insert attempt and the read: nothing to replay, so do the work
        return idempotent_call(request, user, call, limit=limit)
    return _replay(existing, fingerprint)
