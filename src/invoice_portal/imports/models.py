"""ERP import batches: the uploaded file, its progress and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImportKind(models.TextChoices):
    INVOICES = "invoices", "Invoices"
    ORDERS = "orders", "Orders"
    PAYMENTS = "payments", "Payments"
    PURCHASE_ORDERS = "purchase_orders", "Purchase orders"
    COMPANIES = "companies", "Companies"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Validating"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"queued": "grey", "validating": "blue", "running": "blue", "succeeded": "green", "failed": "red"}[value]


ACTIVE_STATUSES = (ImportStatus.VALIDATING, ImportStatus.RUNNING)


class ImportBatch(models.Model):
    """One uploaded file (or JSON batch), imported all-or-nothing.

    The payload is kept byte for byte in the database, so any worker can run the batch and
    the file that produced a change can be looked at later. ``rows_validated`` counts the
    rows checked so far; ``rows_done`` the rows written by the apply transaction (see
    ``imports.progress`` for when that count is visible from outside).
    """

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    format = models.CharField(max_length=4, choices=ImportFormat.choices)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    dry_run = models.BooleanField(default=False)
    filename = models.CharField(max_length=255, blank=True)
    payload = models.BinaryField()
    size = models.PositiveBigIntegerField(default=0)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the payload")
    rows_total = models.PositiveIntegerField(default=0)
    rows_validated = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}], at most imports.errors.MAX_REPORTED")
    errors_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the process running the batch")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ImportKind.values), name="import_batch_kind_valid"),
            models.CheckConstraint(condition=Q(format__in=ImportFormat.values), name="import_batch_format_valid"),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_batch_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Import #{self.pk} ({self.kind}, {self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
