"""API tokens: create (shown once), revoke, and resolve a presented token to its live owner."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from invoice_portal.accounts.models import User
from invoice_portal.api.models import ApiToken, IdempotencyKey, TokenScope
from invoice_portal.audit.services import audit_record
from invoice_portal.core.busy import best_effort_write
from invoice_portal.core.errors import Conflict, ValidationFailed
from invoice_portal.core.prepared import Prepared

TOKEN_SCHEME = "ipk_"  # noqa: S105 - the public marker tokens start with, not a secret
PREFIX_LENGTH = 12
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
IDEMPOTENCY_RETENTION = dt.timedelta(hours=24)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Any, user: User, name: str = "", scope: str = TokenScope.WRITE) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the token, which is never stored or shown again."""
    name = name.strip()
    if scope not in TokenScope.values:
        raise ValidationFailed(f"scope: one of {', '.join(TokenScope.values)}.", field="scope")
    if len(name) > 100:
        raise ValidationFailed("name: at most 100 characters.", field="name")
    if not user.is_active:
        raise ValidationFailed(f"{user.email} is deactivated; a token for it would not work.", field="user")
    for _ in range(5):
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        token = f"{TOKEN_SCHEME}{prefix}{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                row = ApiToken.objects.create(user=user, name=name, prefix=prefix, token_hash=_digest(token), scope=scope)
            break
        except IntegrityError:  # a prefix collision: 1 in 2**48, draw again
            continue
    else:  # pragma: no cover - five collisions in a row do not happen
        raise Conflict("Could not draw a unique token prefix; try again.")
    audit_record(actor=actor, obj=row, action="api_token.create", after={"user": user.pk, "name": name, "prefix": prefix, "scope": scope})
    return row, token


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token at once; calls made with it are refused from now on. Revoking twice changes nothing."""
    claimed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if claimed:
        audit_record(actor=actor, obj=token, action="api_token.revoke", after={"user": token.user_id, "prefix": token.prefix})
    return token


# Read by every API call: its statement is built once (``core.prepared``).
_LIVE_TOKEN = Prepared(lambda prefix: ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True), prefix=str)


def api_token_resolve(raw: str) -> ApiToken | None:
    """The live token ``raw`` names, with its active owner loaded; None for anything else.

    The hash comparison runs in constant time so a wrong secret reveals nothing about the stored one.
    """
    if not raw.startswith(TOKEN_SCHEME) or len(raw) > 200:
        return None
    prefix = raw[len(TOKEN_SCHEME) : len(TOKEN_SCHEME) + PREFIX_LENGTH]
    if len(prefix) != PREFIX_LENGTH:
        return None
    row = _LIVE_TOKEN.first(prefix=prefix)
    if row is None or not hmac.compare_digest(row.token_hash, _digest(raw)) or not row.user.is_active:
        return None
    now = timezone.now()
    due = row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION
    # Bookkeeping: a busy database (an import on SQLite) skips it rather than stalling or failing the call.
    if due and best_effort_write(lambda: ApiToken.objects.filter(pk=row.pk).update(last_used_at=now), what="the token's last use"):
        row.last_used_at = now
    return row


def idempotency_keys_purge(*, older_than: dt.timedelta = IDEMPOTENCY_RETENTION) -> int:
    """Forget idempotency keys older than the retention period (never less than 24 hours)."""
    older_than = max(older_than, IDEMPOTENCY_RETENTION)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
