from __future__ import annotations

from django.db import models


class InvoicesPerOrder(models.TextChoices):
    ONE = "one", "One invoice per order"
    MANY = "many", "Several invoices per order (partial invoicing)"


class PortalSettings(models.Model):
    """The operator's settings: one row (pk=1)."""

    seller_name = models.CharField(max_length=200, default="Demo Supplies Ltd.")
    seller_tax_id = models.CharField(max_length=50, blank=True)
    seller_address = models.TextField(blank=True)
    seller_email = models.EmailField(blank=True)
    seller_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; e-invoices need it")
    # What e-invoices need of the seller beyond the above: its Peppol participant id (EAS scheme + id), a
    # contact (XRechnung requires name, phone and email) and the account customers pay into (payment means).
    seller_peppol_scheme = models.CharField(max_length=4, blank=True, default="", db_default="")
    seller_peppol_id = models.CharField(max_length=100, blank=True, default="", db_default="")
    seller_contact_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    seller_phone = models.CharField(max_length=50, blank=True, default="", db_default="")
    seller_iban = models.CharField(max_length=34, blank=True, default="", db_default="", help_text="IBAN or account number for payments")
    default_currency = models.CharField(max_length=3, default="USD")
    default_payment_terms_days = models.PositiveIntegerField(default=30)
    payment_instruction = models.TextField(
        blank=True,
        default="",
        help_text="How to pay (bank details), printed on every invoice and debit note that has no instructions of its own",
    )
    invoices_per_order = models.CharField(max_length=4, choices=InvoicesPerOrder.choices, default=InvoicesPerOrder.ONE)
    invoice_number_format = models.CharField(max_length=50, default="INV-{year}-{seq:06d}")
    credit_note_number_format = models.CharField(max_length=50, default="CN-{year}-{seq:06d}")
    debit_note_number_format = models.CharField(max_length=50, default="DN-{year}-{seq:06d}")
    # A PNG or JPEG checked by ``seller.services.portal_settings_set_logo``; named by its content hash, so the
    # name changes whenever the picture does (the PDF cache keys on it).
    logo = models.FileField(upload_to="branding/", max_length=200, blank=True)

    class Meta:
        verbose_name = "portal settings"
        verbose_name_plural = "portal settings"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="portal_settings_singleton")]

    def __str__(self) -> str:
        return "Portal settings"


class NumberSequence(models.Model):
    """A gapless counter per key (document kind and year). Incremented inside the issuing transaction."""

    key = models.CharField(max_length=50, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of each background worker process (``invoice-portal db-worker``), read by ``/healthz``."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.host} (pid {self.pid}) at {self.beat_at:%Y-%m-%d %H:%M:%S}"
