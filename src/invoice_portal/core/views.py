from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from invoice_portal.accounts.applications import applications_for
from invoice_portal.accounts.selectors import user_permissions


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
        status = 200
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure as unhealthy
        database = {"status": "error", "vendor": connection.vendor, "error": type(exc).__name__}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their workspace; someone who may open several applications picks one."""
    user = request.user
    applications = applications_for(user)
    if len(applications) == 1:
        return redirect(applications[0].url)
    if applications:
        return render(request, "choose_application.html", {"applications": applications})
    return render(
        request,
        "home.html",
        {"permissions": sorted(user_permissions(user)), "role": getattr(user, "role", None), "company": getattr(user, "company", None)},
    )
