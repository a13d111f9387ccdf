"""The email log: every message the product sent or tried to send, with a retry for failed ones."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.notifications.models import Message
from invoice_portal.notifications.selectors import message_list
from invoice_portal.notifications.services import message_retry
from invoice_portal.seller.forms import MessageFilterForm
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import paginate, safe_next


@require_GET
@seller_required("invoices.view")
def message_log(request: HttpRequest) -> HttpResponse:
    form = MessageFilterForm(request.GET)
    page = paginate(request, message_list(**form.filters()))
    return render_page(request, "seller/messages/list.html", {"form": form, "page": page})


@require_POST
@seller_required("invoices.send")
def message_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk)
    try:
        message_retry(actor=request.user, message=message)
    except DomainError as exc:
        flash.error(request, f"Not sent again: {exc.message}")
    else:
        flash.success(request, f"Sending again to {', '.join(message.to)}.")
    return redirect(safe_next(request, "seller:messages"))
