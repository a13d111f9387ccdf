"""``GET /healthz``: the database, the background worker's last heartbeat and the age of the oldest queued task.

``status`` is "ok", "degraded" (the web answers, but the worker has not beaten for ``HEARTBEAT_STALE``
or a task has waited longer than ``QUEUE_STALE``: imports and emails are stalled) or "error" (the
database does not answer; HTTP 503). Degraded is still HTTP 200: the web processes should stay in
the load balancer while someone restarts the worker.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Max, Min
from django.http import HttpRequest, JsonResponse
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from invoice_portal.core.models import WorkerHeartbeat

HEARTBEAT_STALE = dt.timedelta(seconds=60)
QUEUE_STALE = dt.timedelta(minutes=5)


def _seconds(delta: dt.timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds(), 1)


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "vendor": connection.vendor, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def uses_worker() -> bool:
    """Whether tasks wait in the database for ``db-worker`` (not the case when they run inline, as in the tests)."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def worker_health(now: dt.datetime | None = None) -> dict[str, Any]:
    """The worker's last heartbeat and the oldest queued task, each with its age and whether it is stale."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    beat = WorkerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min("enqueued_at"))["oldest"]
    beat_age = None if beat is None else now - beat
    queue_age = None if oldest is None else now - oldest
    worker_stale = beat_age is None or beat_age > HEARTBEAT_STALE
    queue_stale = queue_age is not None and queue_age > QUEUE_STALE
    last_error = WorkerHeartbeat.objects.exclude(last_error="").order_by("-beat_at").values_list("last_error", flat=True).first()
    return {
        "worker": {
            "status": "stale" if worker_stale else "ok",
            "last_heartbeat": beat.isoformat() if beat else None,
            "heartbeat_age_s": _seconds(beat_age),
            "last_error": (last_error or "").strip().splitlines()[-1:] or None,
        },
        "queue": {
            "status": "stale" if queue_stale else "ok",
            "ready": DBTaskResult.objects.ready().count(),
            "oldest_ready_age_s": _seconds(queue_age),
        },
        "degraded": worker_stale or queue_stale,
    }


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        body: dict[str, Any] = {"status": "ok", "database": _database()}
        if uses_worker():
            health = worker_health()
            body.update(worker=health["worker"], queue=health["queue"])
            if health["degraded"]:
                body["status"] = "degraded"
        else:
            body["worker"] = {"status": "not used", "detail": "tasks run inline (TASKS backend is not the database)"}
    except DatabaseError as exc:
        database = {"status": "error", "vendor": connection.vendor, "error": type(exc).__name__}
        return JsonResponse({"status": "error", "database": database}, status=503)
    return JsonResponse(body)
