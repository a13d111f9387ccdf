"""The received-invoice status machine: every state, every allowed move, in one table.

A received document carries two statuses. ``Invoice.status`` is the money side shared with
issued documents (draft → open → partially paid → paid; canceled), so payments to
suppliers allocate like customer payments. ``Invoice.ap_status`` (``ReceivedStatus``) is
intake and approval: where the invoice waits and who must act. Each transition below is
one service; ``check_transition`` is the only place that says whether a move is allowed.

Part 1 of AP (intake) implements submit, retrofit accept/reject, re-route after a receipt
and cancel. Part 2 (matching and approval) implements the rows marked ``part=2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from invoice_portal.core.errors import InvalidTransition
from invoice_portal.invoices.models import ReceivedStatus as S

# Where ``received_invoice_route`` may send an invoice (the matching outcome).
ROUTED = frozenset({S.PENDING_RECEIVING, S.ON_HOLD, S.PENDING_DELEGATED_APPROVAL, S.ACCEPTED})
# "The invoice creator cancelled the invoice before it was approved."
BEFORE_APPROVAL = frozenset(
    {S.DRAFT, S.PENDING_INITIAL_ACCEPTANCE, S.PENDING_RECEIVING, S.ON_HOLD, S.PENDING_ORDER_ACCEPTANCE, S.PENDING_DELEGATED_APPROVAL}
)
# Nothing moves out of these. Rejected is final by the seed's rule ("cannot be changed").
FINAL = frozenset({S.REJECTED, S.CANCELED, S.DOWNLOADED})
# The invoice is (or was) live money we owe: kept as ``Invoice.status`` open/paid rather than canceled.
LIVE = frozenset(set(S) - {S.DRAFT, S.REJECTED, S.CANCELED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[S]
    targets: frozenset[S]
    who: str
    part: int = 1


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", frozenset({S.DRAFT}), ROUTED | {S.PENDING_INITIAL_ACCEPTANCE}, "supplier user, AP clerk, API, e-invoice"),
    Transition("retrofit_accept", frozenset({S.PENDING_INITIAL_ACCEPTANCE}), ROUTED, "the retrofit order's requester"),
    Transition("retrofit_reject", frozenset({S.PENDING_INITIAL_ACCEPTANCE}), frozenset({S.REJECTED}), "the retrofit order's requester"),
    Transition("rematch", frozenset({S.PENDING_RECEIVING, S.ON_HOLD}), ROUTED, "a receipt on the PO; an AP clerk's correction"),
    Transition("cancel", BEFORE_APPROVAL, frozenset({S.CANCELED}), "the invoice's creator"),
    Transition("send_to_buyer", frozenset({S.ON_HOLD}), frozenset({S.PENDING_ORDER_ACCEPTANCE}), "AP clerk", part=2),
    Transition(
        "buyer_accept", frozenset({S.PENDING_ORDER_ACCEPTANCE}), frozenset({S.PENDING_DELEGATED_APPROVAL, S.ACCEPTED}), "buyer", part=2
    ),
    Transition(
        "reject", frozenset({S.ON_HOLD, S.PENDING_ORDER_ACCEPTANCE, S.PENDING_DELEGATED_APPROVAL}), frozenset({S.REJECTED}),
        "AP clerk, buyer, approver", part=2,
    ),
    Transition("approve", frozenset({S.PENDING_DELEGATED_APPROVAL}), frozenset({S.ACCEPTED}), "approver within limit", part=2),
    Transition("download", frozenset({S.ACCEPTED}), frozenset({S.DOWNLOADED}), "transaction run", part=2),
)  # fmt: skip
TRANSITIONS_BY_ACTION = {t.action: t for t in TRANSITIONS}


def allowed(action: str, current: str, target: str | None = None) -> bool:
    transition = TRANSITIONS_BY_ACTION[action]
    return current in transition.sources and (target is None or target in transition.targets)


def check_transition(action: str, current: str, target: str | None = None, *, label: str = "The invoice") -> None:
    """Raise ``InvalidTransition`` (409) unless ``action`` may move a document from ``current`` (to ``target``)."""
    if action not in TRANSITIONS_BY_ACTION:
        raise ValueError(f"unknown received-invoice action {action!r}")
    if allowed(action, current, target):
        return
    state = S(current).label.lower()
    if current in FINAL:
        raise InvalidTransition(f"{label} is {state}; nothing can change it any more.")
    if action == "cancel":
        raise InvalidTransition(f"{label} is {state}; only its creator can cancel it, and only before it is approved.")
    raise InvalidTransition(f"{label} is {state}; '{action.replace('_', ' ')}' is not possible from there.")
