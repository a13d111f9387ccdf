"""Accounts payable data beside the shared document and order models.

Purchase orders are ``orders.Order`` rows with ``direction="purchase"``, receipts are
``orders.Receipt``, received invoices are ``invoices.Invoice`` rows with
``direction="received"``. What only AP needs lives here: the files a supplier's invoice
arrived with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    XML = "xml", "E-invoice XML"


class ReceivedAttachment(models.Model):
    """A file a received invoice came with, kept byte for byte (checked by content, at most 10 MB).

    Kept in the database rather than on disk, so it is written and rolled back with the invoice.
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="received_attachments")
    kind = models.CharField(max_length=4, choices=AttachmentKind.choices)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0) & Q(size__lte=MAX_ATTACHMENT_BYTES), name="received_attachment_size"),
            models.CheckConstraint(condition=Q(kind__in=AttachmentKind.values), name="received_attachment_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_kind_display()})"


class PayablesSettings(models.Model):
    """The operator's AP settings: one row (pk=1). Part 2 adds the matching tolerances here."""

    discounts_enabled = models.BooleanField(
        default=False, help_text="Invoice entry shows a gross total, a discount and the net (payable) total"
    )

    class Meta:
        verbose_name = "payables settings"
        verbose_name_plural = "payables settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="payables_settings_singleton")]

    def __str__(self) -> str:
        return "Payables settings"


def payables_settings() -> PayablesSettings:
    row, _ = PayablesSettings.objects.get_or_create(pk=1)
    return row


class IntakeStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a supplier"
    BOOKED = "booked", "Booked"


class EInvoiceIntake(models.Model):
    """A supplier e-invoice whose sender is not (yet) a supplier of ours: it waits in the AP inbox until
    AP links it to a supplier (existing, or created for it), which books it as a received invoice."""

    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=200, blank=True)
    syntax = models.CharField(max_length=3)
    number = models.CharField(max_length=50)
    seller_name = models.CharField(max_length=200)
    seller_vat = models.CharField(max_length=50, blank=True)
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    order_reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=8, choices=IntakeStatus.choices, default=IntakeStatus.WAITING)
    invoice = models.OneToOneField("invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="einvoice_intake")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], condition=Q(status="waiting"), name="einvoice_intake_waiting_once"),
            models.CheckConstraint(condition=Q(status="waiting") | Q(invoice__isnull=False), name="einvoice_intake_booked_has_invoice"),
        ]

    def __str__(self) -> str:
        return f"E-invoice {self.number} from {self.seller_name}"
