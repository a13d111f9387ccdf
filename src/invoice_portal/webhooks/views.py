"""Admin's pages for outbound webhooks: endpoints, their delivery log, retry and replay (``integrations.manage``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.views.common import paginate
from invoice_portal.webhooks import selectors
from invoice_portal.webhooks.forms import DeliveryFilterForm, EndpointEditForm, EndpointForm
from invoice_portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from invoice_portal.webhooks.services.deliveries import delivery_replay, delivery_retry
from invoice_portal.webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

PERMISSION = "integrations.manage"


@require_http_methods(["GET", "POST"])
@seller_required(PERMISSION)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            endpoint = webhook_endpoint_create(
                actor=request.user, url=cd["url"], event_types=cd["event_types"], description=cd["description"]
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Endpoint added. Its signing secret is shown on its page: {endpoint.url}")
            return redirect("webhooks:endpoint_detail", endpoint.pk)
    endpoints = WebhookEndpoint.objects.order_by("pk")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints, "form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@seller_required(PERMISSION)
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types, "enabled": endpoint.enabled}
    form = EndpointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            webhook_endpoint_update(
                actor=request.user, endpoint=endpoint, url=cd["url"], event_types=cd["event_types"], description=cd["description"],
                enabled=cd["enabled"],
            )  # fmt: skip
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:endpoint_detail", endpoint.pk)
    filters = DeliveryFilterForm(request.GET)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    page = paginate(request, selectors.endpoint_deliveries(endpoint, status=status).select_related("event"))
    context = {"endpoint": endpoint, "form": form, "filters": filters, "page": page, "statuses": DeliveryStatus}
    return render(request, "webhooks/endpoint_detail.html", context, status=422 if form.errors else 200)


@require_POST
@seller_required(PERMISSION)
def endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
    messages.success(request, "A new signing secret is in place; the old one no longer verifies.")
    return redirect("webhooks:endpoint_detail", endpoint.pk)


@require_POST
@seller_required(PERMISSION)
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id)
    webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, f"Endpoint {endpoint.url} deleted.")
    return redirect("webhooks:endpoint_list")


@require_GET
@seller_required(PERMISSION)
def delivery_detail(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint"), pk=delivery_id, endpoint_id=endpoint_id)
    context = {"delivery": delivery, "endpoint": delivery.endpoint, "attempts": selectors.delivery_attempts(delivery)}
    return render(request, "webhooks/delivery_detail.html", context)


@require_POST
@seller_required(PERMISSION)
def delivery_action(request: HttpRequest, endpoint_id: int, delivery_id: int, action: str) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint_id=endpoint_id)
    try:
        if action == "retry":
            delivery_retry(actor=request.user, delivery=delivery)
            if delivery.endpoint.enabled:
                messages.success(request, "The delivery is queued again.")
            else:
                messages.warning(
                    request, "The delivery is queued again; it is sent once the endpoint is switched on again (Enabled, below)."
                )
        else:
            replay = delivery_replay(actor=request.user, delivery=delivery)
            messages.success(request, f"The event is sent again as delivery {replay.pk}.")
            return redirect("webhooks:delivery_detail", endpoint_id, replay.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("webhooks:delivery_detail", endpoint_id, delivery_id)
