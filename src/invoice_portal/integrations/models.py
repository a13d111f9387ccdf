from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from invoice_portal.integrations.testgateway.models import SimulatedSession, SimulatedWebhook

__all__ = ["EventOutcome", "GatewayEvent", "SimulatedSession", "SimulatedWebhook"]


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
