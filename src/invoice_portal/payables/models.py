"""Accounts payable data beside the shared document and order models.

Purchase orders are ``orders.Order`` rows with ``direction="purchase"``, receipts are
``orders.Receipt``, received invoices are ``invoices.Invoice`` rows with
``direction="received"``. What only AP needs lives here: the files a supplier's invoice
arrived with.
"""

from __future__ import annotations

from decimal import Decimal

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


def _tolerance_constraints(prefix: str) -> list[models.BaseConstraint]:
    fields = ("price_tolerance_percent", "price_tolerance_amount", "quantity_tolerance_percent", "quantity_tolerance_amount",
              "no_po_line_limit")  # fmt: skip
    return [
        models.CheckConstraint(condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0}), name=f"{prefix}_{f}_not_negative")
        for f in fields
    ]


class PayablesSettings(models.Model):
    """The operator's AP settings: one row (pk=1), with the organization's matching tolerances.

    Percent and absolute allowances for price and quantity: when both are set the stricter (smaller)
    one applies, when neither the match must be exact (``payables.matching``).
    """

    discounts_enabled = models.BooleanField(
        default=False, help_text="Invoice entry shows a gross total, a discount and the net (payable) total"
    )
    price_tolerance_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    price_tolerance_amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    quantity_tolerance_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    quantity_tolerance_amount = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    no_po_line_limit = models.DecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True,
        help_text="Invoice lines without a PO line pass up to this gross amount each; empty = always an exception",
    )  # fmt: skip
    auto_accept_limit = models.DecimalField(
        max_digits=18, decimal_places=4, null=True, blank=True,
        help_text="A matched invoice above this gross total (in the default currency) goes to delegated approval; empty = never. "
                  "When set, an invoice in another currency always goes to an approver.",
    )  # fmt: skip

    class Meta:
        verbose_name = "payables settings"
        verbose_name_plural = "payables settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="payables_settings_singleton"),
            *_tolerance_constraints("payables_settings"),
        ]

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


class SupplierTolerance(models.Model):
    """A supplier's own matching tolerances: each set field replaces the organization's, an empty one falls back to it."""

    supplier = models.OneToOneField("companies.Company", on_delete=models.CASCADE, related_name="ap_tolerance")
    price_tolerance_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    price_tolerance_amount = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    quantity_tolerance_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    quantity_tolerance_amount = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    no_po_line_limit = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        constraints = _tolerance_constraints("supplier_tolerance")

    def __str__(self) -> str:
        return f"Tolerances for {self.supplier}"


class MatchLine(models.Model):
    """One line's (or, with ``line_no`` empty, the invoice total's) result of the latest matching run."""

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="match_lines")
    invoice_line = models.ForeignKey("invoices.InvoiceLine", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    line_no = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=24)
    passed = models.BooleanField()
    expected = models.DecimalField(max_digits=22, decimal_places=8)
    actual = models.DecimalField(max_digits=22, decimal_places=8)
    tolerance = models.DecimalField(max_digits=22, decimal_places=8)
    message = models.CharField(max_length=300)
    matched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["invoice", "line_no"]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no or 'total'}: {self.reason}"


class ApproverLimit(models.Model):
    """How much a user may accept or approve alone in one currency (the invoice's total), and their delegation.

    A limit applies in its own currency only, never converted: an invoice in another currency needs an
    approver with a limit in that currency. A user has at most one limit per currency; their delegation
    (to a colleague for a period) is the person's, written on each of their rows together.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approver_limits")
    currency = models.CharField(max_length=3)
    limit = models.DecimalField(max_digits=18, decimal_places=4)
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    delegate_from = models.DateField(null=True, blank=True)
    delegate_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["currency", "limit", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "currency"], name="approver_limit_one_per_currency"),
            models.CheckConstraint(condition=Q(limit__gte=0), name="approver_limit_not_negative"),
            models.CheckConstraint(
                condition=Q(delegate__isnull=True) | (Q(delegate_from__isnull=False) & Q(delegate_until__gte=models.F("delegate_from"))),
                name="approver_delegation_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} up to {self.limit} {self.currency}"


class ApprovalStep(models.Model):
    """Who must act on a received invoice next (buyer review or delegated approval), and what they decided."""

    class Stage(models.TextChoices):
        BUYER = "buyer", "Buyer review"
        APPROVAL = "approval", "Delegated approval"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        CANCELED = "canceled", "Invoice canceled"

    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="approval_steps")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["invoice"], condition=Q(decision="pending"), name="approval_step_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of {self.invoice_id} by {self.assignee}"


class TransactionRun(models.Model):
    """One export of accepted received invoices for the ERP: who, when, which invoices, the files and their checksums.

    Each invoice is in at most one run (``TransactionRunInvoice``'s unique invoice), so two runs
    started at once can never export one invoice twice, even if the service's row locks were bypassed.
    """

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    invoice_count = models.PositiveIntegerField()
    csv_content = models.BinaryField()
    csv_sha256 = models.CharField(max_length=64)
    json_content = models.BinaryField()
    json_sha256 = models.CharField(max_length=64)
    # One EN 16931 UBL document (or the supplier's original e-invoice) per invoice, plus a manifest, zipped
    # (``transaction_runs.ubl_zip``); empty on runs made before UBL was exported.
    ubl_content = models.BinaryField(null=True, blank=True)
    ubl_sha256 = models.CharField(max_length=64, blank=True, default="")
    # The invoices of the run that are not in the zip, each with why: [{"invoice_id", "number", "supplier", "reason"}]
    ubl_left_out = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Transaction run {self.pk}"


class TransactionRunInvoice(models.Model):
    run = models.ForeignKey(TransactionRun, on_delete=models.PROTECT, related_name="items")
    invoice = models.OneToOneField("invoices.Invoice", on_delete=models.PROTECT, related_name="transaction_run_item")

    class Meta:
        ordering = ["run", "invoice"]

    def __str__(self) -> str:
        return f"{self.invoice_id} in run {self.run_id}"


class SupplierPayment(models.Model):
    """Money we paid a supplier, allocated to its accepted received invoices (what it does not allocate is paid on account).

    The outgoing twin of ``payments.Payment``: allocated like it (``payables.services.supplier_payments``,
    on the rules of ``payments.rules``), kept apart so that customer pages, statements, receipts and events
    about money received never see money paid out.
    """

    supplier = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="supplier_payments")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=8)
    reference = models.CharField(max_length=200, blank=True, help_text="Our bank transfer or check reference; shown to the supplier")
    paid_on = models.DateField()
    allocated_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated_total__gte=0) & Q(allocated_total__lte=models.F("amount")),
                name="supplier_payment_allocated_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["supplier", "-paid_on"], name="supplier_payment_supplier")]

    def __str__(self) -> str:
        return f"Supplier payment #{self.pk} {self.amount} {self.currency}"

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_total


class SupplierAllocation(models.Model):
    """Part of a supplier payment settling one received invoice (one row per payment and invoice; it grows with later allocations)."""

    payment = models.ForeignKey(SupplierPayment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.PROTECT, related_name="supplier_allocations")
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="supplier_allocation_unique_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from supplier payment {self.payment_id} to invoice {self.invoice_id}"
