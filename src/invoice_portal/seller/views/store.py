"""The store connection page (Admin): connect a store, see its status, last delivery and errors, "Sync now"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.integrations import selectors
from invoice_portal.integrations.bigcommerce import settings as bc_settings
from invoice_portal.integrations.models import StoreConnection, StoreConnectionStatus
from invoice_portal.integrations.stores.services import store_connection_create, store_connection_set_paused
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.rendering import render_page


class StoreConnectionForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name")
    store_hash = forms.CharField(max_length=50, label="Store hash", help_text="From the API path: /stores/{store_hash}/")
    access_token = forms.CharField(
        widget=forms.PasswordInput, label="API access token", help_text="An API account with Orders read-only scope"
    )
    webhook_secret = forms.CharField(
        widget=forms.PasswordInput, label="Webhook secret",
        help_text="A long random value you choose; create the store's webhooks with it in their headers (shown below once connected)",
    )  # fmt: skip
    app_client_id = forms.CharField(max_length=200, required=False, label="Storefront app client id", help_text="For the storefront login")
    app_client_secret = forms.CharField(widget=forms.PasswordInput, required=False, label="Storefront app client secret")


@seller_required("integrations.manage")
def store_connections(request: HttpRequest) -> HttpResponse:
    form = StoreConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store_connection_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, "Store connected. Subscribe its order webhooks to the address shown below.")
            return redirect("seller:store")
    connections = [
        {
            "connection": c,
            "webhook_url": request.build_absolute_uri(reverse("integrations:bigcommerce-webhook", args=[c.pk])),
            "login_url": request.build_absolute_uri(reverse("integrations:bigcommerce-login", args=[c.pk])),
            "webhook_header": bc_settings.webhook_header(),
            "counts": selectors.store_order_outcome_counts(c),
            "attention": list(selectors.store_orders_needing_attention(c)),
            "deliveries": list(selectors.store_recent_deliveries(c)),
        }
        for c in selectors.store_connections()
    ]
    return render_page(request, "seller/admin/store.html", {"form": form, "connections": connections})


@require_POST
@seller_required("integrations.manage")
def store_sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    from invoice_portal.integrations.stores.tasks import store_sync_now_task

    connection = get_object_or_404(StoreConnection, pk=pk)
    store_sync_now_task.enqueue(connection_id=connection.pk, actor_id=request.user.pk)
    messages.success(request, f"Sync of {connection.name} started: held, flagged and waiting orders are retried, recent orders fetched.")
    return redirect("seller:store")


@require_POST
@seller_required("integrations.manage")
def store_pause(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(StoreConnection, pk=pk)
    paused = connection.status != StoreConnectionStatus.PAUSED
    store_connection_set_paused(actor=request.user, connection=connection, paused=paused)
    messages.success(request, f"{connection.name} {'paused: deliveries are recorded but not synced' if paused else 'resumed'}.")
    return redirect("seller:store")
