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
