"""The background worker retries a locked database, never dies silently, and /healthz reports it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import task
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from invoice_portal.core import worker as worker_module
from invoice_portal.core.models import WorkerHeartbeat
from invoice_portal.core.worker import ResilientWorker, heartbeat_write, retry_locked

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOCKED = OperationalError("database is locked")
ran: list[str] = []


@task()
def note_task(*, text: str) -> str:
    ran.append(text)
    return text


def _worker(**over: Any) -> ResilientWorker:
    options: dict[str, Any] = {
        "queue_names": ["default"], "interval": 0, "batch": True, "backend_name": "default", "startup_delay": False,
        "max_tasks": None, "worker_id": "test-worker", "excluded_queue_names": [],
    }  # fmt: skip
    worker = ResilientWorker(**(options | over))
    worker.sleep = lambda seconds: None
    return worker


def test_a_locked_database_is_retried_and_any_other_error_propagates() -> None:
    calls: list[int] = []
    pauses: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise LOCKED
        return "done"

    assert retry_locked(flaky, what="testing", sleep=pauses.append) == "done"
    assert pauses == [0.5, 1.0, 2.0]
    with pytest.raises(OperationalError, match="no such table"):
        retry_locked(lambda: (_ for _ in ()).throw(OperationalError("no such table: x")), what="testing", sleep=pauses.append)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_the_worker_survives_lock_errors_while_claiming_and_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    ran.clear()
    result = note_task.enqueue(text="hello")
    real_step, real_set = ResilientWorker._step, DBTaskResult.set_successful
    failures = {"step": 2, "record": 2}

    def locked_step(self: ResilientWorker) -> str:
        if failures["step"]:
            failures["step"] -= 1
            raise LOCKED
        return real_step(self)

    def locked_record(self: DBTaskResult, value: Any) -> None:
        if failures["record"]:
            failures["record"] -= 1
            raise LOCKED
        real_set(self, value)

    monkeypatch.setattr(ResilientWorker, "_step", locked_step)
    monkeypatch.setattr(DBTaskResult, "set_successful", locked_record)

    _worker().run()

    assert ran == ["hello"]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
    assert failures == {"step": 0, "record": 0}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_any_other_error_stops_the_command_loudly_and_is_kept_in_the_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ResilientWorker) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ResilientWorker, "_step", broken)
    monkeypatch.setattr(worker_module.Heartbeat, "start", lambda self: None)

    with pytest.raises(SystemExit) as stopped:
        call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "w-1")

    assert "disk on fire" in str(stopped.value.code)
    assert "RuntimeError: disk on fire" in WorkerHeartbeat.objects.get(worker_id="w-1").last_error


def test_the_command_is_ours_and_never_runs_under_the_autoreloader() -> None:
    from django.core.management import get_commands

    assert get_commands()["db_worker"] == "invoice_portal.core"


def _health(client: Client) -> dict[str, Any]:
    response = client.get("/healthz")
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.mark.django_db
@override_settings(TASKS=DB_TASKS)
def test_healthz_is_degraded_without_a_recent_heartbeat_or_with_an_old_queued_task(client: Client) -> None:
    body = _health(client)
    assert (body["status"], body["worker"]["status"], body["worker"]["last_heartbeat"]) == ("degraded", "stale", None)

    heartbeat_write(worker_id="w-1", started_at=timezone.now())
    body = _health(client)
    assert body["status"] == "ok"
    assert body["worker"]["heartbeat_age_s"] < 60
    assert body["queue"] == {"status": "ok", "ready": 0, "oldest_ready_age_s": None}

    result = note_task.enqueue(text="waiting")
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - dt.timedelta(minutes=10))
    body = _health(client)
    assert body["status"] == "degraded"
    assert body["queue"]["status"] == "stale"
    assert body["queue"]["ready"] == 1
    assert body["queue"]["oldest_ready_age_s"] >= 600

    DBTaskResult.objects.all().delete()
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=2))
    body = _health(client)
    assert (body["status"], body["worker"]["status"]) == ("degraded", "stale")
    assert body["worker"]["heartbeat_age_s"] >= 120


@pytest.mark.django_db
def test_healthz_says_the_worker_is_not_used_when_tasks_run_inline(client: Client) -> None:
    body = _health(client)
    assert body["status"] == "ok"
    assert body["worker"]["status"] == "not used"
