"""The front door after sign-in: each person goes to their workspace (a UI-level view beside ``urls.py``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from invoice_portal.accounts.applications import applications_for
from invoice_portal.accounts.selectors import user_permissions


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
