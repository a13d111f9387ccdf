from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F

from invoice_portal.audit.context import current_origin
from invoice_portal.audit.models import AuditEvent, ChainHead, DocumentSeal


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``obj`` as JSON-ready values (foreign keys as their ids)."""
    out: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = _plain(getattr(obj, attname))
    return out


AuditListener = Callable[[list[tuple[AuditEvent, models.Model]]], None]
_listeners: list[AuditListener] = []


def audit_listen(listener: AuditListener) -> None:
    """Have ``listener`` called with every audit event written, and its object, in the transaction that wrote it.

    Apps above audit (the business events) register here at startup, so audit imports none of them.
    Listeners get a list: one pair from ``audit_record``, many from a bulk writer (``audit_written``).
    """
    if listener not in _listeners:
        _listeners.append(listener)


def audit_written(pairs: list[tuple[AuditEvent, models.Model]]) -> None:
    """For writers that insert audit events in bulk (imports): tell the listeners what was written."""
    if pairs:
        for listener in _listeners:
            listener(pairs)


def audit_record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    origin = current_origin()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    event = AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(getattr(actor, "email", "") if is_user else (str(actor) if actor else "system")),
        channel=origin.channel,
        channel_ref=origin.ref[:200],
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        before=before,
        after=after,
    )
    audit_written([(event, obj)])
    return event


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_hash(prev_chain_hash: str, content_hash_: str, invoice_id: int, version: int) -> str:
    return hashlib.sha256(f"{prev_chain_hash}|{invoice_id}|{version}|{content_hash_}".encode()).hexdigest()


def seal_append(*, invoice_id: int, version: int, content: dict[str, Any]) -> DocumentSeal:
    """Append a seal for this version of an issued document. Call inside the issuing transaction."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    digest = content_hash(content)
    link = chain_hash(head.last_hash, digest, invoice_id, version)
    seal = DocumentSeal.objects.create(
        invoice_id=invoice_id, version=version, content_hash=digest, prev_chain_hash=head.last_hash, chain_hash=link
    )
    ChainHead.objects.filter(pk=1).update(last_hash=link, length=F("length") + 1)
    return seal
