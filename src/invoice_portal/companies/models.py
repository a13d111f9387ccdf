from __future__ import annotations

from django.db import models


class EInvoiceFormat(models.TextChoices):
    """How a customer wants its issued documents: the format of the emailed attachment and the portal's download."""

    PDF = "pdf", "PDF only"
    PEPPOL_UBL = "peppol_ubl", "Peppol BIS Billing 3.0 (UBL)"
    XRECHNUNG = "xrechnung", "XRechnung (UBL, German public sector)"
    FACTURX = "facturx", "Factur-X / ZUGFeRD (PDF with CII)"


class Company(models.Model):
    """A trading partner: a customer we bill, a supplier who bills us, or both."""

    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True, help_text="The ERP's id")
    tax_id = models.CharField(max_length=50, blank=True)
    is_customer = models.BooleanField(default=True)
    is_supplier = models.BooleanField(default=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="subsidiaries")
    currency = models.CharField(max_length=3, default="USD")
    payment_terms_days = models.PositiveIntegerField(default=30)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    # The Peppol participant identifier (electronic address, BT-49 / BT-34): an EAS scheme code and the id
    # under it, checked by ``companies.peppol.check_participant_id``. Both or neither.
    peppol_scheme = models.CharField(max_length=4, blank=True, default="", db_default="", help_text="EAS code, e.g. 0088 (GLN), 0208, 9930")
    peppol_id = models.CharField(max_length=100, blank=True, default="", db_default="", help_text="The participant id under that scheme")
    # A German public customer's Leitweg-ID (``companies.leitweg``): the buyer reference (BT-10) of its e-invoices.
    leitweg_id = models.CharField(
        max_length=46, blank=True, default="", db_default="", help_text="Leitweg-ID of a German public customer (BT-10)"
    )
    einvoice_format = models.CharField(
        max_length=12, choices=EInvoiceFormat.choices, default=EInvoiceFormat.PDF, db_default=EInvoiceFormat.PDF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(is_customer=True) | models.Q(is_supplier=True), name="company_has_a_role"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("pk")), name="company_not_own_parent"),
            models.CheckConstraint(
                condition=models.Q(peppol_scheme="", peppol_id="") | (~models.Q(peppol_scheme="") & ~models.Q(peppol_id="")),
                name="company_peppol_id_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name
