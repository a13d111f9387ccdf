from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from invoice_portal.accounts.selectors import user_has_perm, user_permissions


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
    """Send each person to their workspace: seller staff to the seller app, customers to the portal."""
    user = request.user
    if user_has_perm(user, "portal.view"):
        return redirect("portal:invoices")
    if getattr(user, "company_id", None) is None and user_has_perm(user, "invoices.view"):
        return redirect("seller:home")
    if getattr(user, "company_id", None) is None and user_has_perm(user, "ap.view"):
        return redirect("ap:ap_inbox")
    if getattr(user, "company_id", None) is not None and user_has_perm(user, "supplier.view"):
        return redirect("supplier:home")
    return render(
        request,
        "home.html",
        {"permissions": sorted(user_permissions(user)), "role": getattr(user, "role", None), "company": getattr(user, "company", None)},
    )
