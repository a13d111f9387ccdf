"""Invoice Responses to our suppliers, written when a received document's AP status changes.

Every audited AP move of a received invoice (its audit view carries ``ap_status``) passes ``on_audit``,
registered with the audit trail at startup (``DocumentsConfig.ready``), inside the move's transaction.
Each response is a Peppol BIS Invoice Response 3 (``response.received_invoice_response``), stored as a
``SentInvoiceResponse``. "Sent" means made available to the supplier: the supplier portal and the API
list and download it; the AP pages show it too. There is no Peppol access point to transmit it.

Which AP status says what (``RESPONSE_FOR_STATUS``):

- submitted (out of draft) → **AB** received; when the route goes straight to on hold, accepted or
  rejected, that status's response follows it;
- pending initial acceptance, pending receiving, pending order acceptance, pending delegated
  approval → **IP** in process (a move between them writes no second IP);
- on hold → **UQ** under query, a reason per matching exception (``MATCH_REASONS``: price → PRI,
  quantity → QTY, not yet delivered → DEL, no PO line → ITM; anything else OTH) with its message;
- accepted → **AP**; rejected → **RE** with the rejection's comment.

Not answered: draft (not sent to us yet), canceled (withdrawn by its creator before approval),
downloaded (handed to the ERP for payment; AP was said on acceptance). CA (conditionally accepted) has no
AP status.

**PD** (paid) follows the money, not the AP status: when a supplier payment (``payables.services.
supplier_payments``, audited as ``supplier_payment.record`` / ``.allocate`` with the invoices it was
allocated to) leaves a received invoice paid in full, PD is written once; a part payment says nothing.

A response needs both electronic addresses (PEPPOL: SenderParty and ReceiverParty EndpointID): when our
settings or the supplier have no Peppol participant id, no response is written (``why_none`` says so on
the pages).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from invoice_portal.audit.models import AuditEvent
from invoice_portal.companies.models import Company
from invoice_portal.core.models import PortalSettings
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.einvoice.response import Clarification, received_invoice_response
from invoice_portal.documents.models import ResponseCode, SentInvoiceResponse
from invoice_portal.invoices.models import Direction, Invoice, Status
from invoice_portal.invoices.models import ReceivedStatus as S

RESPONSE_FOR_STATUS: dict[str, str] = {
    S.PENDING_INITIAL_ACCEPTANCE: ResponseCode.IN_PROCESS,
    S.PENDING_RECEIVING: ResponseCode.IN_PROCESS,
    S.PENDING_ORDER_ACCEPTANCE: ResponseCode.IN_PROCESS,
    S.PENDING_DELEGATED_APPROVAL: ResponseCode.IN_PROCESS,
    S.ON_HOLD: ResponseCode.UNDER_QUERY,
    S.ACCEPTED: ResponseCode.ACCEPTED,
    S.REJECTED: ResponseCode.REJECTED,
}
NOT_SUBMITTED = ("", S.DRAFT)
# Matching's reason codes (``payables.matching.Reason``) as OPStatusReason codes.
MATCH_REASONS = {
    "price": "PRI", "line_amount": "PRI", "total": "PRI", "qty_over_received": "QTY", "qty_over_ordered": "QTY",
    "not_received": "DEL", "no_po_line": "ITM",
}  # fmt: skip


def codes_for_move(before: str, after: str) -> list[str]:
    """The response codes a move of the AP status from ``before`` to ``after`` writes, in order."""
    target = RESPONSE_FOR_STATUS.get(after)
    if before in NOT_SUBMITTED and after not in NOT_SUBMITTED:
        return [ResponseCode.RECEIVED] + ([target] if target and target != ResponseCode.IN_PROCESS else [])
    return [target] if target else []


def _failed_matches(invoice_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    from invoice_portal.payables.models import MatchLine

    failed: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = MatchLine.objects.filter(invoice_id__in=list(invoice_ids), passed=False).order_by("invoice_id", "line_no", "pk")
    for invoice_id, reason, message in rows.values_list("invoice_id", "reason", "message"):
        failed[invoice_id].append((MATCH_REASONS.get(reason, "OTH"), message))
    return failed


def clarifications_for(code: str, invoice: Invoice, failed: list[tuple[str, str]]) -> list[Clarification]:
    """The reasons a UQ or RE response gives: one per kind of matching exception; a rejection leads with its comment."""
    if code not in (ResponseCode.UNDER_QUERY, ResponseCode.REJECTED):
        return []
    by_code: dict[str, list[str]] = {}
    for reason, message in failed:
        by_code.setdefault(reason, []).append(message)
    reasons = [Clarification(reason, "OPStatusReason", "; ".join(dict.fromkeys(m for m in messages if m))[:500])
               for reason, messages in by_code.items()]  # fmt: skip
    comment = invoice.ap_reason.strip()
    if code == ResponseCode.REJECTED:
        first = reasons[0] if reasons else Clarification("OTH", "OPStatusReason")
        reasons = [Clarification(first.code, first.list_id, comment or first.text), *reasons[1:]]
    elif not reasons:
        reasons = [Clarification("OTH", "OPStatusReason", comment)]
    return reasons


def why_none(invoice: Invoice, settings: PortalSettings | None = None) -> str:
    """Why ``invoice`` gets no Invoice Responses, or "" when it does."""
    settings = settings or portal_settings()
    if not (settings.seller_peppol_scheme and settings.seller_peppol_id):
        return "Invoice Responses need our Peppol participant id; set it in the settings."
    if not (invoice.company.peppol_scheme and invoice.company.peppol_id):
        return f"Invoice Responses need the supplier's Peppol participant id; {invoice.company.name} has none."
    return ""


# The audited supplier-payment actions whose ``after`` names the invoices the money went to (``allocations``).
PAYMENT_ACTIONS = ("supplier_payment.record", "supplier_payment.allocate")
PAID_NOTE = "Paid in full"


def _note(invoice: Invoice, after: str) -> str:
    label = S(after).label
    return f"{label}: {invoice.ap_reason.strip()}" if invoice.ap_reason.strip() else label


def _paid_in_full(pairs: list[tuple[AuditEvent, Any]]) -> list[tuple[AuditEvent, Invoice]]:
    """The received invoices the supplier payments just audited have left paid in full (one query, if any)."""
    paid_by = {int(pk): audit for audit, _ in pairs if audit.action in PAYMENT_ACTIONS for pk in (audit.after or {}).get("allocations", {})}
    if not paid_by:
        return []
    invoices = Invoice.objects.filter(pk__in=list(paid_by), direction=Direction.RECEIVED, status=Status.PAID).order_by("pk")
    return [(paid_by[invoice.pk], invoice) for invoice in invoices]


def on_audit(pairs: list[tuple[AuditEvent, Any]]) -> None:
    """The audit listener: the responses of the AP moves and full payments just audited, written in the same transaction."""
    moves: list[tuple[AuditEvent, Invoice, str, list[str], str | None]] = []  # (audit, invoice, AP status, codes, note)
    for audit, obj in pairs:
        if not isinstance(obj, Invoice) or obj.direction != Direction.RECEIVED:
            continue
        before, after = (audit.before or {}).get("ap_status") or "", (audit.after or {}).get("ap_status") or ""
        if after and before != after and (codes := codes_for_move(before, after)):
            moves.append((audit, obj, after, codes, None))
    moves += [(audit, invoice, invoice.ap_status, [ResponseCode.PAID], PAID_NOTE) for audit, invoice in _paid_in_full(pairs)]
    if not moves:
        return
    settings = portal_settings()
    if not (settings.seller_peppol_scheme and settings.seller_peppol_id):
        return
    suppliers = Company.objects.in_bulk({move[1].company_id for move in moves})
    answered = [move for move in moves if suppliers[move[1].company_id].peppol_scheme and suppliers[move[1].company_id].peppol_id]
    if not answered:
        return
    ids = {move[1].pk for move in answered}
    failed = _failed_matches(ids)
    latest: dict[int, tuple[str, str]] = {}
    for invoice_id, code, reason in (
        SentInvoiceResponse.objects.filter(invoice_id__in=ids).order_by("pk").values_list("invoice_id", "code", "reason")
    ):
        latest[invoice_id] = (code, reason)
    today = timezone.localdate()
    rows = []
    for audit, invoice, after, codes, note in answered:
        for code in codes:
            clarifications = clarifications_for(code, invoice, failed.get(invoice.pk, []))
            reason = "\n".join(c.describe() for c in clarifications)
            if latest.get(invoice.pk) == (code, reason):
                continue  # nothing new to tell (pending receiving → pending delegated approval: still in process)
            response_id = f"IR-{invoice.pk}-{uuid.uuid4().hex[:12]}"
            xml = received_invoice_response(
                invoice=invoice, code=code, clarifications=clarifications, note=note or _note(invoice, after), issue_date=today,
                response_id=response_id, seller=settings, supplier=suppliers[invoice.company_id],
            )  # fmt: skip
            rows.append(SentInvoiceResponse(
                invoice=invoice, code=code, response_id=response_id, issue_date=today, ap_status=after, reason=reason,
                xml=xml, created_by=audit.actor,
            ))  # fmt: skip
            latest[invoice.pk] = (code, reason)
    SentInvoiceResponse.objects.bulk_create(rows)
