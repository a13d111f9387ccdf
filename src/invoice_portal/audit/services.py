from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import F
from django.utils import timezone

from invoice_portal.audit.context import current_origin
from invoice_portal.audit.models import AuditEvent, ChainHead, DocumentSeal
from invoice_portal.core.bulk import rows_insert


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


def _audit_event(
    *, actor: Any, obj: models.Model, action: str, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
) -> AuditEvent:
    origin = current_origin()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditEvent(
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


def audit_record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = _audit_event(actor=actor, obj=obj, action=action, before=before, after=after)
    rows_insert(AuditEvent, [event])
    audit_written([(event, obj)])
    return event


def audit_record_many(entries: list[dict[str, Any]]) -> list[AuditEvent]:
    """Several ``audit_record`` calls of one transition in one insert (each entry: its keyword arguments);
    the listeners are called once with all of them, so their business events are one insert too."""
    if not entries:
        return []
    events = [_audit_event(**entry) for entry in entries]
    rows_insert(AuditEvent, events)
    audit_written([(event, entry["obj"]) for event, entry in zip(events, entries, strict=True)])
    return events


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_hash(prev_chain_hash: str, content_hash_: str, invoice_id: int, version: int) -> str:
    return hashlib.sha256(f"{prev_chain_hash}|{invoice_id}|{version}|{content_hash_}".encode()).hexdigest()


def seal_append(*, invoice_id: int, version: int, content: dict[str, Any]) -> DocumentSeal:
    """Append a seal for this version of an issued document. Call inside the issuing transaction, last.

    The chain head is a single row every issuer in the installation takes in turn, held until COMMIT:
    callers make this the last statement of their transaction, and everything it needs is computed
    before it takes the head (the content hash here, the rest by the caller). On PostgreSQL the link
    is one statement (lock the head, insert the seal hashed from the head's value, move the head);
    elsewhere (SQLite, which has one writer at a time anyway) three ORM statements do the same.
    """
    digest = content_hash(content)
    if connection.vendor == "postgresql":
        return _seal_append_one_statement(invoice_id=invoice_id, version=version, digest=digest)
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ChainHead.objects.get_or_create(pk=1)
        head = ChainHead.objects.select_for_update().get(pk=1)
    link = chain_hash(head.last_hash, digest, invoice_id, version)
    seal = DocumentSeal.objects.create(
        invoice_id=invoice_id, version=version, content_hash=digest, prev_chain_hash=head.last_hash, chain_hash=link
    )
    ChainHead.objects.filter(pk=1).update(last_hash=link, length=F("length") + 1)
    return seal


# The head's row is locked by the first CTE (FOR UPDATE waits for the previous issuer's COMMIT and then
# reads its committed value); the seal's id is drawn after that lock, so seal ids follow the chain order
# ``check-books`` walks. The link is ``chain_hash`` computed by PostgreSQL: sha256 over
# "prev|invoice_id|version|content_hash" in UTF-8, as lowercase hex (the same bytes as the Python function).
_SEAL_SQL = """
WITH head AS (
    SELECT last_hash FROM {head} WHERE id = 1 FOR UPDATE
), seal AS (
    INSERT INTO {seal} (invoice_id, version, content_hash, prev_chain_hash, chain_hash, sealed_at)
    SELECT %(invoice_id)s, %(version)s, %(digest)s, head.last_hash,
           encode(sha256(convert_to(
               head.last_hash || '|' || %(invoice_id)s::text || '|' || %(version)s::text || '|' || %(digest)s, 'UTF8'
           )), 'hex'),
           %(now)s
    FROM head
    RETURNING id, prev_chain_hash, chain_hash, sealed_at
), moved AS (
    UPDATE {head} SET last_hash = seal.chain_hash, length = {head}.length + 1 FROM seal WHERE {head}.id = 1
)
SELECT id, prev_chain_hash, chain_hash, sealed_at FROM seal
"""


def _seal_append_one_statement(*, invoice_id: int, version: int, digest: str) -> DocumentSeal:
    quote = connection.ops.quote_name
    sql = _SEAL_SQL.format(head=quote(ChainHead._meta.db_table), seal=quote(DocumentSeal._meta.db_table))
    params: dict[str, Any] = {"invoice_id": invoice_id, "version": version, "digest": digest, "now": timezone.now()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:  # the very first seal of an installation: create the head, then link
            ChainHead.objects.get_or_create(pk=1)
            cursor.execute(sql, params)
            row = cursor.fetchone()
    assert row is not None
    pk, prev, link, sealed_at = row
    seal = DocumentSeal(
        pk=pk, invoice_id=invoice_id, version=version, content_hash=digest, prev_chain_hash=prev, chain_hash=link, sealed_at=sealed_at
    )
    seal._state.adding = False
    seal._state.db = connection.alias
    return seal
