from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from invoice_portal.integrations.testgateway.models import SimulatedSession, SimulatedWebhook

__all__ = [
    "EventOutcome",
    "GatewayEvent",
    "SimulatedSession",
    "SimulatedWebhook",
    "StoreConnection",
    "StoreConnectionStatus",
    "StoreCustomerLink",
    "StoreOrderOutcome",
    "StoreOrderRecord",
]


class EventOutcome(models.TextChoices):
    PROCESSED = "processed", "Processed"
    NO_CHANGE = "no_change", "Nothing to change (already handled)"
    IGNORED = "ignored", "Ignored (not an event the portal acts on)"
    DEFERRED = "deferred", "Deferred (arrived before what it refers to)"
    REJECTED = "rejected", "Rejected (needs a person)"


class GatewayEvent(models.Model):
    """The inbox of verified gateway webhooks: one row per provider event, whatever how often it is delivered.

    The unique (gateway, event_id) pair is what makes a redelivery harmless: the second insert
    fails and the event is not processed again. A refund that arrives before the payment it
    refunds waits here as ``deferred`` until that payment succeeds.
    """

    gateway = models.CharField(max_length=30)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=30)
    checkout = models.ForeignKey("payments.Checkout", null=True, blank=True, on_delete=models.SET_NULL, related_name="gateway_events")
    payment_reference = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()
    facts = models.JSONField(default=dict, help_text="What the adapter read from the payload (amounts, references)")
    outcome = models.CharField(max_length=10, choices=EventOutcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gateway_event_unique_id")]
        indexes = [models.Index(fields=["gateway", "payment_reference"], condition=Q(outcome="deferred"), name="gateway_event_deferred")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_type} {self.event_id} ({self.outcome})"


class StoreConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    FAILING = "failing", "Failing"


class StoreConnection(models.Model):
    """One web store the portal mirrors orders from (a BigCommerce store today).

    Credentials are stored encrypted (``integrations/secrets.py``); the API base URLs are fields,
    defaulting to the store's own, so a test or a demo points them at a local fake server.
    """

    platform = models.CharField(max_length=20, default="bigcommerce")
    name = models.CharField(max_length=100)
    store_hash = models.CharField(max_length=50)
    api_base_url = models.URLField(max_length=300)
    b2b_api_base_url = models.URLField(max_length=300)
    access_token_encrypted = models.TextField(blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    # The storefront app: its client id is the JWT audience, its secret the key the storefront JWT is signed with.
    app_client_id = models.CharField(max_length=200, blank=True)
    app_client_secret_encrypted = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=StoreConnectionStatus.choices, default=StoreConnectionStatus.ACTIVE)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    backfill_cursor = models.JSONField(default=dict, blank=True, help_text="Where an interrupted store-sync resumes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["platform", "store_hash"], name="store_connection_unique_store")]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform} {self.store_hash})"


class StoreOrderOutcome(models.TextChoices):
    SYNCED = "synced", "Synced"
    SKIPPED = "skipped", "Skipped (not a B2B order)"
    HELD = "held", "Held (company unknown here)"
    FLAGGED = "flagged", "Flagged (totals do not add up)"
    STALE = "stale", "Older than what we have"


class StoreOrderRecord(models.Model):
    """What the portal last did with one store order: the version it saw (``date_modified``) and why.

    The stored ``date_modified`` is what keeps an older version from overwriting a newer one when
    deliveries or fetches cross; skipped, held and flagged orders are kept here with their reason
    instead of being stored as orders.
    """

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="order_records")
    external_id = models.CharField(max_length=100)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="store_records")
    date_modified = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=StoreOrderOutcome.choices)
    reason = models.CharField(max_length=500, blank=True)
    store_company_id = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["connection", "external_id"], name="store_order_record_unique")]
        indexes = [models.Index(fields=["connection", "outcome"])]

    def __str__(self) -> str:
        return f"{self.connection_id}/{self.external_id} {self.outcome}"


class StoreCustomerLink(models.Model):
    """A storefront customer known as a portal user: the external identity the storefront login maps."""

    connection = models.ForeignKey(StoreConnection, on_delete=models.CASCADE, related_name="customer_links")
    customer_id = models.CharField(max_length=50)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="store_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "customer_id"], name="store_customer_link_unique")]

    def __str__(self) -> str:
        return f"{self.connection_id}/{self.customer_id} → {self.user_id}"
