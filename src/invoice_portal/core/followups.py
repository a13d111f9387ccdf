"""One background task per business transaction for the work that follows its commit.

A transition writes business events (their commit-order positions are stamped after commit) and
often an email (sent after commit). With the database task queue (production) each used to write a
task row of its own in the transaction; now a transaction writes at most one row, of
``followups_task``, which runs every registered follow-up in turn: the events app stamps what is
committed and unstamped, the notifications app sends what is queued and never tried. Each follow-up
is a sweep over committed rows that claims what it handles (the event head's lock, a message's
conditional claim), so any worker may run any transaction's task, and a task that finds the work
done by another does nothing.

The row is written in the business transaction itself: the workers see it together with the rows it
follows up, or never, and it costs no commit of its own. ``followups_after_commit`` says whether the
database queue took the work; with another backend (the immediate one in tests) the caller hands its
own task to the backend after commit, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

_followups: list[Callable[[], object]] = []


def followup_register(run: Callable[[], object]) -> None:
    """Have ``run`` called by every follow-up task, after those registered before it (idempotent; apps' ``ready``)."""
    if run not in _followups:
        _followups.append(run)


def followups_run() -> None:
    for run in _followups:
        run()


def followups_after_commit() -> bool:
    """Make sure the current transaction writes its one follow-up task, when the database queue is in use.

    Returns False (nothing written) with any other task backend, or outside a transaction.
    """
    from django_tasks_db import DatabaseBackend

    from invoice_portal.core.tasks import followups_task

    connection = transaction.get_connection()
    if not (connection.in_atomic_block and isinstance(followups_task.get_backend(), DatabaseBackend)):
        return False
    if not any(func is _written for _, func, _ in connection.run_on_commit):
        followups_task.enqueue()
        transaction.on_commit(_written)  # marks this transaction (or savepoint) as having its task row
    return True


def _written() -> None:
    """Nothing to do after commit: the transaction wrote its follow-up task row itself."""
