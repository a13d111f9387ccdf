"""The test gateway's own state: it plays the provider, so it keeps what a provider would.

A ``SimulatedSession`` is its hosted checkout session (amount, lines, where to send the buyer
back); a ``SimulatedWebhook`` is an event it has signed and will deliver, now or on request
later (``invoice-portal testgateway deliver``).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

from invoice_portal.core.money import as_str


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"
    EXPIRED = "expired", "Expired"


class SimulatedSession(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    payment_id = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    description = models.CharField(max_length=500, blank=True)
    lines = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    return_url = models.CharField(max_length=2000)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    refunded = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Test gateway session {self.id} ({self.status})"

    @property
    def display_amount(self) -> str:
        return as_str(self.amount, self.currency)


class SimulatedWebhook(models.Model):
    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=50)
    session = models.ForeignKey(SimulatedSession, null=True, on_delete=models.CASCADE, related_name="webhooks")
    body = models.TextField(help_text="The exact JSON body that is signed and delivered")
    held = models.BooleanField(default=False, help_text="Kept back for a late delivery on request")
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
