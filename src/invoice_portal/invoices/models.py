from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from invoice_portal.core.db import at_most, equals


class Kind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"
    DEBIT_NOTE = "debit_note", "Debit note"


class Direction(models.TextChoices):
    ISSUED = "issued", "Issued (we bill a customer)"
    RECEIVED = "received", "Received (a supplier bills us)"


class Source(models.TextChoices):
    ORDER = "order", "Order"
    MANUAL = "manual", "Manual"
    ERP = "erp", "ERP"
    CSV = "csv", "CSV import"
    UBL = "ubl", "UBL"
    CII = "cii", "CII"
    API = "api", "API"
    SUPPLIER_PORTAL = "supplier_portal", "Supplier portal"


class Status(models.TextChoices):
    """The lifecycle of an issued document. Fixed by the product; only labels may be reworded."""

    DRAFT = "draft", "Draft"
    OPEN = "open", "Unpaid"  # seed 003: the default status of an issued debit invoice nothing has been paid on
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    CANCELED = "canceled", "Canceled"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"draft": "grey", "open": "blue", "partially_paid": "amber", "paid": "green", "canceled": "red"}[value]

    @classmethod
    def label_for(cls, value: str, kind: str) -> str:
        """The status as a reader understands it for this kind of document: a credit note is not "paid", its
        credit is applied (the lifecycle is the same; only the words differ)."""
        if kind == Kind.CREDIT_NOTE:
            return CREDIT_NOTE_LABELS.get(value) or cls(value).label
        return cls(value).label


# An issued document whose total is zero: settled the moment it is issued, with no money (docs/domain.md).
NOTHING_TO_PAY_LABEL = "Nothing to pay"

# What open / partially paid / paid mean for a credit note: how much of its credit is used.
CREDIT_NOTE_LABELS: dict[str, str] = {Status.OPEN: "Available credit", Status.PARTIALLY_PAID: "Partly applied", Status.PAID: "Applied"}


class ReceivedStatus(models.TextChoices):
    """The intake and approval lifecycle of a received document (the seed's nine states, plus draft).

    Which moves are allowed, and by which action, is the table in ``payables.statuses``.
    """

    DRAFT = "draft", "Draft"
    PENDING_INITIAL_ACCEPTANCE = "pending_initial_acceptance", "Pending initial acceptance"
    PENDING_RECEIVING = "pending_receiving", "Pending receiving"
    ON_HOLD = "on_hold", "On hold"
    PENDING_ORDER_ACCEPTANCE = "pending_order_acceptance", "Pending order acceptance"
    PENDING_DELEGATED_APPROVAL = "pending_delegated_approval", "Pending delegated approval"
    ACCEPTED = "accepted", "Invoice accepted"
    REJECTED = "rejected", "Invoice rejected"
    DOWNLOADED = "downloaded", "Downloaded"
    CANCELED = "canceled", "Canceled"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            "draft": "grey", "pending_initial_acceptance": "amber", "pending_receiving": "amber", "on_hold": "red",
            "pending_order_acceptance": "amber", "pending_delegated_approval": "blue", "accepted": "green",
            "rejected": "red", "downloaded": "green", "canceled": "grey",
        }.get(value, "grey")  # fmt: skip


class TaxCategory(models.TextChoices):
    """UNCL5305 VAT category codes used by EN 16931."""

    STANDARD = "S", "Standard rate"
    ZERO = "Z", "Zero rated"
    EXEMPT = "E", "Exempt"
    REVERSE_CHARGE = "AE", "Reverse charge"
    INTRA_EU = "K", "Intra-community supply"
    EXPORT = "G", "Export outside the EU"
    NOT_SUBJECT = "O", "Not subject to VAT"
    CANARY = "L", "Canary Islands IGIC"
    CEUTA = "M", "Ceuta and Melilla IPSI"


class CustomerLineStatus(models.TextChoices):
    """A line as the customer sees it (seed 004, table 4): what the buyer has done about it."""

    NEW = "new", "New"
    PAID = "paid", "Paid"
    DISPUTED = "disputed", "Disputed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"new": "blue", "paid": "green", "disputed": "amber"}.get(value, "grey")


class EnterpriseLineStatus(models.TextChoices):
    """A line as the seller sees it (seed 004, table 4): whether its money has arrived."""

    NEW = "new", "New"
    PAYMENT_RECEIVED = "payment_received", "Payment received"
    DISPUTED = "disputed", "Disputed"

    @classmethod
    def colour(cls, value: str) -> str:
        return {"new": "blue", "payment_received": "green", "disputed": "amber"}.get(value, "grey")


class LineKind(models.TextChoices):
    ITEM = "item", "Item"
    COST = "cost", "Cost (shipping, handling, fee)"


class VisibleInvoiceManager(models.Manager["Invoice"]):
    """Every document but those an import batch is still writing on SQLite (``import_batch_id`` set; see
    "Imports on SQLite: staged chunks" in docs/imports.md): they exist for no one until the batch publishes them."""

    def get_queryset(self) -> models.QuerySet[Invoice]:
        return super().get_queryset().filter(import_batch_id__isnull=True)


# What every list query tests besides its filters (see the indexes of ``Invoice``).
LIST_SCOPE = ["direction", "import_batch_id"]


class Invoice(models.Model):
    """Every kind of invoice document: invoice, credit note, debit note; issued or received.

    Totals, allocated amount and balance are stored for speed and always written by the
    domain functions (``invoices.totals.compute_totals`` and ``invoice_settle``), which
    ``check-books`` re-runs against the stored values.
    """

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.ISSUED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # No single-column indexes of their own: ``invoice_company_issued`` leads with the company and ``invoice_order``
    # is the order's; a second copy would only cost every insert another index entry.
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="invoices", db_index=False)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    related_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="memos", help_text="The invoice a memo refers to"
    )
    external_id = models.CharField(max_length=100, null=True, blank=True)
    number = models.CharField(max_length=50, null=True, blank=True)
    po_number = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    service_start = models.DateField(null=True, blank=True)
    service_end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    payment_instructions = models.TextField(blank=True)
    # A collection hold: the seller pauses reminders for this invoice (e.g. while terms are negotiated).
    on_hold = models.BooleanField(default=False, db_default=False)
    hold_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    # Received documents only: where intake and approval stand, and why (hold, rejection), as the supplier sees it.
    ap_status = models.CharField(max_length=28, choices=ReceivedStatus.choices, blank=True, default="", db_default="")
    ap_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    submitted_at = models.DateTimeField(null=True, blank=True)

    discount = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0), help_text="Document-level allowance, net")
    discount_tax_category = models.CharField(max_length=2, choices=TaxCategory.choices, blank=True)
    discount_tax_rate = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)

    line_net_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    allowance_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    tax_exclusive_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    tax_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    allocated_total = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    balance = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))

    version = models.PositiveIntegerField(default=1)
    # The seller as it stood when the document was issued (``invoices.seller.seller_snapshot``), so later
    # changes to the settings never change an issued document's e-invoice. None: a draft, or issued before
    # snapshots existed (those read the current settings).
    seller_snapshot = models.JSONField(null=True, blank=True, default=None)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    # Set while an import batch stages the document in short chunks (SQLite only): an unnumbered draft that
    # ``objects`` hides until the batch publishes it in one final transaction, or deletes it if the batch fails.
    import_batch_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    objects = VisibleInvoiceManager()
    # Staged documents included: only the import's staging and clean-up use it.
    all_objects = models.Manager()  # noqa: DJ012 (ruff takes the custom manager above for a field)

    class Meta:
        ordering = ["-pk"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(import_batch_id__isnull=True) | Q(status="draft", number__isnull=True),
                name="invoice_staged_is_unnumbered_draft",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=Q(external_id__isnull=False), name="invoice_unique_source_external_id"
            ),
            models.UniqueConstraint(fields=["number"], condition=Q(direction="issued"), name="invoice_unique_issued_number"),
            models.UniqueConstraint(fields=["company", "number"], condition=Q(direction="received"), name="invoice_unique_received_number"),
            models.CheckConstraint(
                condition=equals("balance", F("total") - F("allocated_total")), name="invoice_balance_is_total_minus_allocated"
            ),
            models.CheckConstraint(
                condition=Q(allocated_total__gte=0) & at_most("allocated_total", F("total")), name="invoice_allocated_within_total"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="invoice_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(direction="received") | Q(number__isnull=False), name="invoice_issued_has_number"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["draft", "canceled"]) | Q(allocated_total=0), name="invoice_no_allocation_when_draft_or_canceled"
            ),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="invoice_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in Kind]), name="invoice_kind_valid"),
            models.CheckConstraint(
                condition=Q(ap_status="") | Q(direction="received", ap_status__in=ReceivedStatus.values),
                name="invoice_ap_status_received_only",
            ),
        ]
        # The dashboards' filters at a million rows (see `make bench`); the case-insensitive number
        # prefix index is PostgreSQL-only and lives in migration 0002.
        indexes = [
            models.Index(fields=["import_batch_id"], condition=Q(import_batch_id__isnull=False), name="invoice_staged_by_batch"),
            models.Index(fields=["company", "-issue_date", "-id"], name="invoice_company_issued"),
            # ``include``: the columns every dashboard query tests besides its filter (``direction`` of the staff scope,
            # ``import_batch_id IS NULL`` of ``Invoice.objects``), so the page's capped count of up to 10,001 rows is
            # an index-only scan (status=open: 31 ms of table reads down to ~2 ms at 1M invoices).
            models.Index(fields=["status", "-issue_date", "-id"], include=LIST_SCOPE, name="invoice_status_issued"),
            models.Index(fields=["source", "-issue_date", "-id"], include=LIST_SCOPE, name="invoice_source_issued"),
            models.Index(fields=["-issue_date", "-id"], include=LIST_SCOPE, name="invoice_issued"),
            models.Index(
                fields=["due_date", "id"],
                # ``import_batch_id IS NULL`` is what ``Invoice.objects`` adds to every query: in the predicate, the
                # overdue count is an index-only scan (1.8 ms at 1M invoices) instead of a sequential scan (50 ms).
                condition=Q(status__in=["open", "partially_paid"], direction="issued", import_batch_id__isnull=True),
                name="invoice_unsettled_due",
            ),
            models.Index(fields=["order"], name="invoice_order"),
            models.Index(fields=["due_date"], condition=Q(on_hold=True), name="invoice_on_hold"),
            models.Index(fields=["ap_status", "-id"], condition=Q(direction="received"), name="invoice_received_inbox"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.get_kind_display().lower()} #{self.pk}"

    @property
    def is_debit(self) -> bool:
        return self.kind != Kind.CREDIT_NOTE

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    def is_overdue_on(self, today: dt.date) -> bool:
        """``is_overdue`` for a list of documents, which reads the local date once."""
        return self.status in (Status.OPEN, Status.PARTIALLY_PAID) and self.due_date is not None and self.due_date < today

    @property
    def hold_in_force(self) -> bool:
        """On a collection hold that still matters: an unpaid invoice whose reminders are paused (the hold flag
        outlives the payment; the ``on_hold`` filter and the home page's count read it the same way)."""
        return self.on_hold and self.status in (Status.OPEN, Status.PARTIALLY_PAID)

    @property
    def nothing_to_pay(self) -> bool:
        """Issued with a zero total: stored as settled (``paid``: no balance, no reminders, not payable), but no
        payment settled it, so it is never shown as paid."""
        return self.status == Status.PAID and self.total == 0

    @property
    def status_label(self) -> str:
        return NOTHING_TO_PAY_LABEL if self.nothing_to_pay else Status.label_for(self.status, self.kind)

    @property
    def status_colour(self) -> str:
        return "grey" if self.nothing_to_pay else Status.colour(self.status)

    @property
    def signed_total(self) -> Decimal:
        """The total as it counts on the customer's account: a credit note's is negative."""
        return -self.total if self.kind == Kind.CREDIT_NOTE else self.total

    @property
    def signed_balance(self) -> Decimal | None:
        """What is still due (a credit note: its unused credit, negative); None for a canceled document, which
        owes nothing and shows no balance."""
        if self.status == Status.CANCELED:
            return None
        return -self.balance if self.kind == Kind.CREDIT_NOTE else self.balance


class InvoiceLine(models.Model):
    # Indexed by ``invoice_line_unique_no`` (invoice, line_no), which leads with it.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=4, choices=LineKind.choices, default=LineKind.ITEM)
    sku = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500)
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    unit_code = models.CharField(max_length=3, default="C62", help_text="UN/ECE Rec 20 unit (C62 = one)")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    discount = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0), help_text="Line allowance, net")
    tax_category = models.CharField(max_length=2, choices=TaxCategory.choices, default=TaxCategory.STANDARD)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal(0))
    net_amount = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0))
    order_line = models.ForeignKey("orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="invoice_lines")
    # The two statuses of seed 004, written only by ``invoices.line_statuses``.
    customer_status = models.CharField(
        max_length=16, choices=CustomerLineStatus.choices, default=CustomerLineStatus.NEW, db_default=CustomerLineStatus.NEW
    )
    enterprise_status = models.CharField(
        max_length=16, choices=EnterpriseLineStatus.choices, default=EnterpriseLineStatus.NEW, db_default=EnterpriseLineStatus.NEW
    )

    class Meta:
        # By the invoice's id (newest first, as invoices are ordered), not by "invoice": that orders by the
        # invoice's own ordering and joins its table into every read of lines.
        ordering = ["-invoice_id", "line_no"]
        constraints = [
            models.CheckConstraint(condition=Q(customer_status__in=CustomerLineStatus.values), name="invoice_line_customer_status_valid"),
            models.CheckConstraint(
                condition=Q(enterprise_status__in=EnterpriseLineStatus.values), name="invoice_line_enterprise_status_valid"
            ),
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoice_line_unique_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="invoice_line_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="invoice_line_discount_not_negative"),
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="invoice_line_net_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="invoice_line_tax_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.line_no}. {self.description}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    CREDITED = "credited", "Resolved by credit note"
    REJECTED = "rejected", "Rejected"


class DisputeReason(models.TextChoices):
    PRICE = "price", "Wrong price"
    QUANTITY = "quantity", "Wrong quantity"
    DAMAGED = "damaged", "Damaged goods"
    NOT_RECEIVED = "not_received", "Not received"
    DUPLICATE = "duplicate", "Billed twice"
    OTHER = "other", "Other"


class Dispute(models.Model):
    """A buyer's objection to one invoice line. While open, the invoice gets no reminders."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="disputes")
    line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="disputes")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=20, choices=DisputeReason.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution_comment = models.TextField(blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    credit_note = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_disputes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(status="open"), name="dispute_one_open_per_line"),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.invoice} line {self.line.line_no}: {self.get_reason_display()}"


class WordingSubject(models.TextChoices):
    KIND = "kind", "Invoice type"
    STATUS = "status", "Invoice status"
    CREDIT_STATUS = "credit_status", "Credit note status"


class DocumentWording(models.Model):
    """An Admin's description of one locked invoice type or status (seed 003): the words users read for it.

    The types and statuses themselves are fixed by the product (``invoices.wording.DEFAULTS``); a row
    exists only once its description has been edited, and none is ever created for anything else.
    """

    subject = models.CharField(max_length=16, choices=WordingSubject.choices)
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=60)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "code"], name="document_wording_unique"),
            models.CheckConstraint(
                condition=(
                    Q(subject="kind", code__in=Kind.values)
                    | Q(subject="status", code__in=Status.values)
                    | Q(subject="credit_status", code__in=["open", "partially_paid", "paid"])
                ),
                name="document_wording_locked_set",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="document_wording_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}:{self.code} = {self.description}"
