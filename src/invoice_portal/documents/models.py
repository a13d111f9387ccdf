from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class AttachmentPurpose(models.TextChoices):
    ORIGINAL = "original", "Original document (as received)"


class DocumentAttachment(models.Model):
    """A file kept with an invoice document, byte for byte: the original XML (or PDF) it was imported from.

    Never edited: an imported document's original is evidence of what was sent. ``sha256`` lets a
    re-sent file be recognised without reading the content back.
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="attachments")
    purpose = models.CharField(max_length=10, choices=AttachmentPurpose.choices, default=AttachmentPurpose.ORIGINAL)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(purpose="original"), name="attachment_one_original_per_invoice"),
        ]
        indexes = [models.Index(fields=["sha256"], name="attachment_sha256")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_purpose_display()})"
