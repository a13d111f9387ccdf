"""The received-invoice status table: every state is reachable, final states stay final."""

from __future__ import annotations

import pytest

from invoice_portal.core.errors import InvalidTransition
from invoice_portal.invoices.models import ReceivedStatus
from invoice_portal.payables.statuses import FINAL, TRANSITIONS, check_transition


def test_every_state_but_draft_is_the_target_of_some_transition() -> None:
    targets = set().union(*(t.targets for t in TRANSITIONS))
    assert targets == set(ReceivedStatus) - {ReceivedStatus.DRAFT}


@pytest.mark.parametrize("state", sorted(FINAL))
def test_nothing_leaves_a_final_state(state: ReceivedStatus) -> None:
    assert not any(state in t.sources for t in TRANSITIONS)
    for t in TRANSITIONS:
        with pytest.raises(InvalidTransition, match="nothing can change it"):
            check_transition(t.action, state)


def test_cancel_is_allowed_before_approval_only() -> None:
    check_transition("cancel", ReceivedStatus.PENDING_DELEGATED_APPROVAL, ReceivedStatus.CANCELED)
    with pytest.raises(InvalidTransition, match="only before it is approved"):
        check_transition("cancel", ReceivedStatus.ACCEPTED)


def test_a_transition_to_a_target_outside_its_row_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        check_transition("submit", ReceivedStatus.DRAFT, ReceivedStatus.DOWNLOADED)


# The seed's lifecycle written out once more, independently of ``statuses.TRANSITIONS``: action → {source: targets}.
_S = ReceivedStatus
_ROUTED = {_S.PENDING_RECEIVING, _S.ON_HOLD, _S.PENDING_DELEGATED_APPROVAL, _S.ACCEPTED}
_CANCELABLE = [_S.DRAFT, _S.PENDING_INITIAL_ACCEPTANCE, _S.PENDING_RECEIVING, _S.ON_HOLD]
_CANCELABLE += [_S.PENDING_ORDER_ACCEPTANCE, _S.PENDING_DELEGATED_APPROVAL]
EXPECTED: dict[str, dict[ReceivedStatus, set[ReceivedStatus]]] = {
    "submit": {_S.DRAFT: _ROUTED | {_S.PENDING_INITIAL_ACCEPTANCE}},
    "retrofit_accept": {_S.PENDING_INITIAL_ACCEPTANCE: _ROUTED},
    "retrofit_reject": {_S.PENDING_INITIAL_ACCEPTANCE: {_S.REJECTED}},
    "rematch": {_S.PENDING_RECEIVING: _ROUTED, _S.ON_HOLD: _ROUTED},
    "cancel": {s: {_S.CANCELED} for s in _CANCELABLE},
    "send_to_buyer": {_S.ON_HOLD: {_S.PENDING_ORDER_ACCEPTANCE}},
    "buyer_accept": {_S.PENDING_ORDER_ACCEPTANCE: {_S.PENDING_DELEGATED_APPROVAL, _S.ACCEPTED}},
    "reject": {s: {_S.REJECTED} for s in (_S.ON_HOLD, _S.PENDING_ORDER_ACCEPTANCE, _S.PENDING_DELEGATED_APPROVAL)},
    "approve": {_S.PENDING_DELEGATED_APPROVAL: {_S.ACCEPTED}},
    "download": {_S.ACCEPTED: {_S.DOWNLOADED}},
}


def test_the_table_has_exactly_the_expected_actions() -> None:
    assert {t.action for t in TRANSITIONS} == set(EXPECTED)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("source", list(ReceivedStatus))
def test_every_allowed_and_refused_transition(action: str, source: ReceivedStatus) -> None:
    """Every (action, source, target) triple: allowed exactly when the expected table says so."""
    allowed_targets = EXPECTED[action].get(source, set())
    for target in ReceivedStatus:
        if target in allowed_targets:
            check_transition(action, source, target)
        else:
            with pytest.raises(InvalidTransition):
                check_transition(action, source, target)
    if allowed_targets:
        check_transition(action, source)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(action, source)
