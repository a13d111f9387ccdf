"""Settings → invoice types and statuses: the Admin edits the words users read for each (seed 003)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from invoice_portal.core.errors import DomainError
from invoice_portal.invoices.wording import current_wording, wording_update
from invoice_portal.seller.forms import WordingForm, attach_error
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.rendering import render_page


@require_http_methods(["GET", "POST"])
@seller_required("settings.manage")
def wording_settings(request: HttpRequest) -> HttpResponse:
    current = current_wording().words
    form = WordingForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        changed = 0
        try:
            with transaction.atomic():  # all descriptions or none
                for name, subject, code, description in form.changes():
                    try:
                        changed += wording_update(actor=request.user, subject=subject, code=code, description=description)
                    except DomainError as exc:
                        attach_error(form, exc, fields={"description": name})
                        raise
        except DomainError:
            pass
        else:
            messages.success(request, f"{changed} description{'s' if changed != 1 else ''} changed." if changed else "Nothing changed.")
            return redirect("seller:settings_wording")
    status = 400 if request.method == "POST" else 200
    return render_page(request, "seller/admin/wording.html", {"form": form}, status=status)
