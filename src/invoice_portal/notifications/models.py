"""Email to customers and staff: every message is a row first (the log and the outbox), sent after commit.

A ``Message`` is written inside the transaction that caused it (an invoice issued, a payment
received, a dispute opened) and delivered by a background task once that transaction has
committed; a rolled-back transaction leaves no message behind and sends nothing. Delivery
claims the row by a conditional update, so a task delivered twice sends once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MessageKind(models.TextChoices):
    INVOICE = "invoice", "Invoice sent"
    REMINDER = "reminder", "Payment reminder"
    PAYMENT_RECEIPT = "payment_receipt", "Payment receipt"
    DISPUTE_OPENED = "dispute_opened", "Dispute opened"
    DISPUTE_CLOSED = "dispute_closed", "Dispute closed"
    INVITATION = "invitation", "Invitation"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled"
    AP_REVIEW = "ap_review", "Received invoice to review"
    AP_APPROVAL = "ap_approval", "Received invoice to approve"
    AP_REJECTED = "ap_rejected", "Received invoice rejected"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"queued": "blue", "sending": "blue", "sent": "green", "failed": "red"}[value]


class Message(models.Model):
    """One email: who it went to, what it said, and whether it was delivered."""

    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    to = models.JSONField(default=list, help_text="Recipient addresses")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    attach_pdf = models.BooleanField(default=False, help_text="Attach the invoice's PDF when sending")
    invoice = models.ForeignKey("invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    company = models.ForeignKey("companies.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="messages_received"
    )
    reminder_offset = models.IntegerField(
        null=True, blank=True, help_text="The schedule step (days from the due date) a scheduled reminder was sent for"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker last took it to send")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A schedule step reminds an invoice once, however often (and however concurrently) the run repeats.
            models.UniqueConstraint(
                fields=["invoice", "reminder_offset"], condition=Q(reminder_offset__isnull=False), name="message_one_reminder_per_step"
            ),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in MessageStatus]), name="message_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in MessageKind]), name="message_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["invoice", "-created_at"], name="message_invoice_created"),
            models.Index(fields=["status", "created_at"], name="message_status_created"),
            models.Index(fields=["-created_at", "-id"], name="message_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {', '.join(self.to) or 'nobody'}"


def default_reminder_offsets() -> list[int]:
    """Three days before the due date, then 1, 7 and 14 days after it."""
    return [-3, 1, 7, 14]


class NotificationSettings(models.Model):
    """What is sent automatically (one row, pk=1); changed on the seller's settings page."""

    email_on_issue = models.BooleanField(default=True, help_text="Email each invoice to the customer when it is issued")
    payment_receipts = models.BooleanField(default=True, help_text="Email a receipt when a payment is received")
    reminder_offsets = models.JSONField(
        default=default_reminder_offsets, blank=True, help_text="Reminder schedule: days relative to the due date (-3 = three days before)"
    )

    class Meta:
        verbose_name = "notification settings"
        verbose_name_plural = "notification settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="notification_settings_singleton")]

    def __str__(self) -> str:
        return "Notification settings"
