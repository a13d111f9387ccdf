from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Channel(models.TextChoices):
    UI = "ui", "Web UI"
    API = "api", "API token"
    IMPORT = "import", "Import batch"
    WEBHOOK = "webhook", "Webhook"
    CLI = "cli", "Command line"
    SYSTEM = "system", "System"


class AuditEvent(models.Model):
    """An append-only record of one change: who, when, what, before/after, from where."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SYSTEM)
    channel_ref = models.CharField(max_length=200, blank=True, help_text="Token id, import batch, webhook event id")
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    action = models.CharField(max_length=50)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Audit events are append-only")


class DocumentSeal(models.Model):
    """One link of the tamper-evident chain over issued documents.

    Each issue or revision of an issued document appends a seal holding the hash of the
    document's content and a chain hash over the previous seal, so rewriting any stored
    document or any seal is detected by ``check-books``.
    """

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="seals")
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    prev_chain_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["invoice", "version"], name="seal_unique_version")]

    def __str__(self) -> str:
        return f"seal {self.pk} of invoice {self.invoice_id} v{self.version}"


class ChainHead(models.Model):
    """The last chain hash (one row): locked while a seal is appended so the chain stays linear."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="chain_head_singleton")]

    def __str__(self) -> str:
        return f"chain head #{self.length}"
