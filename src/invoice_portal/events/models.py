"""Business events: the one stream the ERP change feed and the outbound webhooks both read.

An ``Event`` is written in the transaction of the transition it describes, with a payload
built from the state that transition committed. Its ``position`` (the feed cursor) is
not the autoincrement id: on PostgreSQL ids are drawn when a row is inserted, not when its
transaction commits, so a reader following ids could step over an event whose transaction
was still open. Positions are stamped after commit, by one stamper at a time holding the
``EventHead`` row lock, onto committed rows only; a position is therefore never given to
an event after a larger one became visible, and a reader following positions misses nothing.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventType(models.TextChoices):
    INVOICE_ISSUED = "invoice.issued", "Invoice issued"
    INVOICE_UPDATED = "invoice.updated", "Issued invoice updated"
    INVOICE_PAID = "invoice.paid", "Invoice paid"
    INVOICE_CANCELED = "invoice.canceled", "Invoice canceled"
    INVOICE_DISPUTED = "invoice.disputed", "Invoice line disputed"
    PAYMENT_RECORDED = "payment.recorded", "Payment recorded"
    PAYMENT_REFUNDED = "payment.refunded", "Payment refunded"
    PAYMENT_REVERSED = "payment.reversed", "Payment reversed"
    CREDIT_NOTE_ISSUED = "credit_note.issued", "Credit note issued"
    ORDER_FLAGGED = "order.flagged", "Order flagged (updated or canceled after invoicing)"
    RECEIVED_INVOICE_STATUS_CHANGED = "received_invoice.status_changed", "Received invoice status changed"


class Event(models.Model):
    uid = models.CharField(max_length=40, unique=True, help_text="Public id (evt_…), the webhook-id of its deliveries")
    type = models.CharField(max_length=40, choices=EventType.choices)
    version = models.PositiveSmallIntegerField(default=1, help_text="Version of this type's payload schema")
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    position = models.BigIntegerField(null=True, blank=True, unique=True, help_text="Commit-order position (the feed cursor)")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(type__in=[t.value for t in EventType]), name="event_type_valid")]
        indexes = [models.Index(fields=["id"], condition=Q(position__isnull=True), name="event_unstamped")]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}#{self.object_id}"


class EventHead(models.Model):
    """The last position stamped (one row): its lock serializes the stampers."""

    last_position = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="event_head_singleton")]

    def __str__(self) -> str:
        return f"event head at {self.last_position}"
