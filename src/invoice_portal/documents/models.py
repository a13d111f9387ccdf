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


class ResponseCode(models.TextChoices):
    """UNCL4343 subset of Peppol BIS Invoice Response 3: where the buyer is with an invoice."""

    RECEIVED = "AB", "Received"
    IN_PROCESS = "IP", "In process"
    UNDER_QUERY = "UQ", "Under query"
    CONDITIONALLY_ACCEPTED = "CA", "Conditionally accepted"
    REJECTED = "RE", "Rejected"
    ACCEPTED = "AP", "Accepted"
    PAID = "PD", "Paid"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"AB": "grey", "IP": "blue", "UQ": "amber", "CA": "amber", "RE": "red", "AP": "green", "PD": "green"}[value]


# A response with one of these codes needs the seller's attention, as an open dispute does, until a later response supersedes it.
ATTENTION_CODES = (ResponseCode.UNDER_QUERY, ResponseCode.REJECTED)


class InvoiceResponse(models.Model):
    """A Peppol Invoice Response (UBL ApplicationResponse) the buyer sent about one of our issued documents.

    Append-only: each response is a step in the buyer's processing; the latest one is the invoice's
    current response status. The original XML is kept byte for byte.
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="responses")
    code = models.CharField(max_length=2, choices=ResponseCode.choices)
    response_id = models.CharField(max_length=200, help_text="The ApplicationResponse's own ID")
    issue_date = models.DateField()
    effective_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="The clarifications, one per line: code, text, conditions")
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    sender_name = models.CharField(max_length=200, blank=True)
    sender_endpoint = models.CharField(max_length=200, blank=True, help_text="scheme:identifier")
    xml = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "issue_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sha256"], name="invoice_response_once_per_document"),
            models.CheckConstraint(condition=Q(code__in=["AB", "IP", "UQ", "CA", "RE", "AP", "PD"]), name="invoice_response_code_valid"),
        ]
        indexes = [models.Index(fields=["invoice", "-issue_date", "-id"], name="invoice_response_latest")]

    def __str__(self) -> str:
        return f"{self.get_code_display()} for {self.invoice} ({self.issue_date})"

    @property
    def needs_attention(self) -> bool:
        return self.code in ATTENTION_CODES


class SentInvoiceResponse(models.Model):
    """A Peppol Invoice Response (UBL ApplicationResponse) we wrote to a supplier about a document we received.

    Written when the received document's AP status changes (``einvoice.ap_responses``); append-only, the
    latest is where we are with the supplier's invoice. "Sent" means made available to the supplier: the
    supplier portal and the API list and download it (there is no Peppol access point).
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="sent_responses")
    code = models.CharField(max_length=2, choices=ResponseCode.choices)
    response_id = models.CharField(max_length=200, unique=True, help_text="The ApplicationResponse's own ID")
    issue_date = models.DateField()
    ap_status = models.CharField(max_length=28, help_text="The AP status the response reports")
    reason = models.TextField(blank=True, help_text="The clarifications, one per line: code, text")
    xml = models.BinaryField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=["AB", "IP", "UQ", "CA", "RE", "AP", "PD"]), name="sent_invoice_response_code_valid"
            ),
        ]
        indexes = [models.Index(fields=["invoice", "-id"], name="sent_invoice_response_latest")]

    def __str__(self) -> str:
        return f"{self.get_code_display()} sent for {self.invoice} ({self.issue_date})"

    @property
    def filename(self) -> str:
        return f"invoice-response-{self.response_id}.xml"
