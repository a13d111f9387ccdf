"""Outbound webhooks: endpoints subscribed to event types, and one delivery (outbox row) per event and endpoint.

A ``WebhookDelivery`` is written in the transaction of the business event, so a rolled-back
transition sends nothing; the worker claims it after commit by a conditional update, so two
workers never send one event to one endpoint twice. Each try is logged as a ``WebhookAttempt``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from invoice_portal.core.encryption import secret_decrypt


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="Event types this endpoint receives (events.EventType values)")
    secret_encrypted = models.TextField(help_text="Standard Webhooks signing secret (whsec_…), encrypted (core/encryption.py)")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        """The signing secret in clear, decrypted when it is needed (signing, the Admin's "Show the secret")."""
        return secret_decrypt(self.secret_encrypted)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"pending": "blue", "sending": "blue", "succeeded": "green", "failed": "red"}[value]


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, related_name="+")
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    window_start = models.DateTimeField(default=timezone.now, help_text="Retries stop about three days after this")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One event reaches one endpoint once; a replay is a row of its own, asked for by a person.
            models.UniqueConstraint(fields=["endpoint", "event"], condition=Q(replay_of__isnull=True), name="delivery_once_per_endpoint"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in DeliveryStatus]), name="delivery_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_created"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of {self.event_id} to {self.endpoint_id}"

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: the event's id, so retries are recognised as the same message; a replay is a new one."""
        return self.event.uid if self.replay_of_id is None else f"{self.event.uid}_replay{self.pk}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"attempt on delivery {self.delivery_id}: {self.status_code or self.error}"


class InboxMessage(models.Model):
    """What the built-in demo receiver got (``/integrations/webhook-inbox/<name>/``): headers, body, verified or not."""

    inbox = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    verified = models.BooleanField(default=False)
    verify_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.inbox}: {self.received_at:%H:%M:%S}"
