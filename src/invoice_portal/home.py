"""The front door after sign-in: each person goes to their workspace (a UI-level view beside ``urls.py``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from invoice_portal.accounts.selectors import user_has_perm, user_permissions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to their workspace: seller staff to the seller app, customers to the portal."""
    user = request.user
    if user_has_perm(user, "portal.view"):
        return redirect("portal:invoices")
    if getattr(user, "company_id", None) is None and user_has_perm(user, "invoices.view"):
        return redirect("seller:home")
    return render(
        request,
        "home.html",
        {"permissions": sorted(user_permissions(user)), "role": getattr(user, "role", None), "company": getattr(user, "company", None)},
    )
