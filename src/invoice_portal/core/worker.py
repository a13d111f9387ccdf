"""The background worker (``invoice-portal db-worker``): django-tasks' database worker that survives a busy database.

On SQLite a long write (an import) holds the database lock; the library's worker then died on
"database is locked" — and under the autoreloader (on whenever DEBUG is) only its thread died while
the process stayed up, so imports and emails stalled silently. This worker:

- retries every lock error with a growing pause (claiming a task, recording its result), logging each;
- never runs under the autoreloader;
- on any other error logs it with its traceback, records it in its heartbeat row and exits non-zero,
  so a supervisor (systemd, ``scripts/serve-demo``) restarts it;
- writes a heartbeat (``WorkerHeartbeat``) every ``HEARTBEAT_EVERY`` from a side thread for as long
  as its loop is alive; ``/healthz`` reports it and the age of the oldest queued task.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from invoice_portal.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 10.0  # seconds
MAX_PAUSE = 30.0  # seconds between retries of a locked database, at most


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and is_locked_database_exception(exc)


def lock_pause(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, …): 0.5, 1, 2, 4 … up to ``MAX_PAUSE``."""
    return min(MAX_PAUSE, 0.5 * 2 ** min(attempt - 1, 10))


def retry_locked[T](call: Callable[[], T], *, what: str, sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, retried while the database is locked (any other error propagates)."""
    attempt = 0
    while True:
        try:
            return call()
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            attempt += 1
            pause = lock_pause(attempt)
            logger.warning("Database is locked while %s (attempt %d); retrying in %.1f s", what, attempt, pause)
            sleep(pause)


def heartbeat_write(*, worker_id: str, started_at: Any, error: str = "") -> None:
    now = timezone.now()
    defaults = {"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at, "beat_at": now}
    if error:
        defaults["last_error"] = error[-4000:]
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults=defaults)


class ResilientWorker(Worker):
    """django-tasks' ``Worker`` with the loop above: lock errors retried, other errors loud."""

    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names))
        self.started_at = timezone.now()
        attempt = 0
        while self.running:
            try:
                outcome = self._step()
            except OperationalError as exc:
                if not is_locked(exc):
                    raise
                attempt += 1
                pause = lock_pause(attempt)
                logger.warning("Database is locked while claiming a task (attempt %d); retrying in %.1f s", attempt, pause)
                self.sleep(pause)
                continue
            attempt = 0
            if outcome == "stop":
                return
            if outcome == "idle" and self.running:
                self.sleep(self.interval)

    def _step(self) -> str:
        """Claim and run one task: "ran", "idle" (nothing ready) or "stop" (batch done, max tasks reached)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is not None:
            self.run_task(task_result)
        if self.batch and task_result is None:
            return "stop"
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return "stop"
        close_old_connections()
        return "ran" if task_result is not None else "idle"

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task (the library records success or failure); recording the outcome is retried while locked."""
        for name in ("set_successful", "set_failed"):
            record = getattr(db_task_result, name)
            setattr(db_task_result, name, _retrying(record, what=f"recording task {db_task_result.id}", sleep=self.sleep))
        super().run_task(db_task_result)


def _retrying(record: Callable[..., None], *, what: str, sleep: Callable[[float], None]) -> Callable[..., None]:
    def call(*args: Any) -> None:
        retry_locked(lambda: record(*args), what=what, sleep=sleep)

    return call


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every ``HEARTBEAT_EVERY`` while ``alive()`` holds (a daemon: it dies with the process)."""

    def __init__(self, *, worker_id: str, alive: Callable[[], bool], every: float = HEARTBEAT_EVERY) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id, self.alive, self.every = worker_id, alive, every
        self.started_at = timezone.now()

    def run(self) -> None:
        try:
            while self.alive():
                try:
                    heartbeat_write(worker_id=self.worker_id, started_at=self.started_at)
                except OperationalError as exc:  # locked: the next beat tries again
                    logger.info("Heartbeat not written (%s); next try in %.0f s", exc, self.every)
                time.sleep(self.every)
        finally:
            connection.close()
