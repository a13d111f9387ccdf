"""The buttons of the invoice page: issue, cancel, delete, credit and debit notes, dispute resolutions.

Each is a POST that calls one domain transition. A refusal from the domain comes back as a
message on the page (buttons) or as form errors (forms with input); nothing is written then.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.core.errors import DomainError
from invoice_portal.core.ids import parse_id
from invoice_portal.invoices.line_statuses import line_status_set
from invoice_portal.invoices.models import Dispute, InvoiceLine, Status
from invoice_portal.invoices.preview import issue_preview
from invoice_portal.invoices.selectors import invoices_visible_to
from invoice_portal.invoices.services import (
    credit_note_create,
    debit_note_create,
    dispute_reject,
    dispute_resolve_by_credit,
    invoice_cancel,
    invoice_delete,
    invoice_hold,
    invoice_issue,
    invoice_release_hold,
)
from invoice_portal.notifications.models import MessageStatus
from invoice_portal.notifications.services import invoice_remind, invoice_send
from invoice_portal.seller.forms import (
    CancelForm,
    CreditNoteForm,
    DebitNoteForm,
    DisputeCreditForm,
    DisputeRejectForm,
    HoldForm,
    LineStatusForm,
    attach_error,
)
from invoice_portal.seller.permissions import seller_can, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.views.common import safe_next
from invoice_portal.seller.views.invoices import invoice_page, visible_invoice

MAX_BULK = 200
BULK_PERMISSIONS = {"issue": "invoices.issue", "send": "invoices.send", "remind": "invoices.send"}


@require_POST
@seller_required("invoices.view")
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Issue, send or remind the ticked documents one by one; report what was done and each refusal."""
    action = request.POST.get("action", "issue")
    if action not in BULK_PERMISSIONS:
        messages.error(request, "Choose issue, send or remind.")
        return redirect(safe_next(request, "seller:invoices"))
    if not seller_can(request.user, BULK_PERMISSIONS[action]):
        raise PermissionDenied(f"Needs the '{BULK_PERMISSIONS[action]}' permission.")
    ids = sorted({pk for v in request.POST.getlist("invoice") if (pk := parse_id(v)) is not None})[:MAX_BULK]
    if action == "issue" and ids and request.POST.get("confirm") != "yes":
        return _bulk_issue_confirm(request, ids)
    done: list[str] = []
    for invoice in invoices_visible_to(request.user).filter(pk__in=ids).order_by("pk"):
        try:
            if action == "issue":
                done.append(str(invoice_issue(actor=request.user, invoice=invoice).number))
            else:
                (invoice_send if action == "send" else invoice_remind)(actor=request.user, invoice=invoice)
                done.append(str(invoice))
        except DomainError as exc:
            messages.error(request, f"{invoice}: {exc.message}")
    verb = {"issue": "Issued", "send": "Sent", "remind": "Reminders queued for"}[action]
    if done:
        messages.success(request, f"{verb} {len(done)}: {', '.join(done)}.")
    elif not ids:
        messages.error(request, "Tick the documents first.")
    return redirect(safe_next(request, "seller:invoices"))


def _bulk_issue_confirm(request: HttpRequest, ids: list[int]) -> HttpResponse:
    """What issuing the ticked drafts will do, before anything is issued: each draft's customer and total; the
    documents that are not drafts are named as skipped. The form posts the same ids back with ``confirm``."""
    chosen = list(invoices_visible_to(request.user).filter(pk__in=ids).select_related("company").order_by("pk"))
    drafts = [inv for inv in chosen if inv.status == Status.DRAFT]
    if not drafts:
        messages.error(request, "None of the ticked documents is a draft: nothing to issue.")
        return redirect(safe_next(request, "seller:invoices"))
    context = {
        "drafts": drafts,
        "skipped": [inv for inv in chosen if inv.status != Status.DRAFT],
        "next": safe_next(request, "seller:invoices"),
    }
    return render_page(request, "seller/invoices/bulk_issue_confirm.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect("seller:invoice_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@seller_required("invoices.issue")
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without ``confirm``): what issuing will do, the total and the customer; POST ``confirm``: issue."""
    invoice = visible_invoice(request, pk)
    if request.method == "GET" or request.POST.get("confirm") != "yes":
        if invoice.status != Status.DRAFT:
            messages.error(request, f"Not issued: {invoice} is {invoice.status_label.lower()}; only drafts can be issued.")
            return _back(pk)
        return render_page(request, "seller/invoices/issue_confirm.html", {"invoice": invoice, "issuing": issue_preview(invoice)})
    try:
        invoice = invoice_issue(actor=request.user, invoice=invoice)
    except DomainError as exc:
        messages.error(request, f"Not issued: {exc.message}")
    else:
        messages.success(request, f"Issued as {invoice.number}, due {invoice.due_date:%d %b %Y}.")
    return _back(pk)


def _email(request: HttpRequest, pk: int, *, reminder: bool) -> HttpResponse:
    """Email the document (or a reminder of it) now; the page says where it went, or why it did not."""
    invoice = visible_invoice(request, pk)
    what = f"Reminder for {invoice}" if reminder else f"{invoice}"
    try:
        message = (invoice_remind if reminder else invoice_send)(actor=request.user, invoice=invoice)
    except DomainError as exc:
        messages.error(request, f"{'No reminder' if reminder else 'Not'} sent: {exc.message}")
    else:
        if message.status == MessageStatus.FAILED:
            messages.error(request, f"Not sent: {message.last_error}")
        else:
            messages.success(request, f"{what} is on its way to {', '.join(message.to)}.")
    return _back(pk)


@require_POST
@seller_required("invoices.send")
def send(request: HttpRequest, pk: int) -> HttpResponse:
    return _email(request, pk, reminder=False)


@require_POST
@seller_required("invoices.send")
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    return _email(request, pk, reminder=True)


@require_POST
@seller_required("payments.record")
def line_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance sets a line's customer or enterprise status by hand, with a reason (audited)."""
    invoice = visible_invoice(request, pk)
    numbers = list(invoice.lines.order_by("line_no").values_list("line_no", flat=True))
    form = LineStatusForm(request.POST, prefix="line_status", line_numbers=numbers)
    if form.is_valid():
        side, status = form.side_and_status()
        row = InvoiceLine.objects.get(invoice=invoice, line_no=form.cleaned_data["line"])
        try:
            line_status_set(actor=request.user, line=row, side=side, status=status, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            attach_error(form, exc, fields={"status": "status", "reason": "reason", "side": "status"})
        else:
            messages.success(request, f"Line {row.line_no}: {side} status changed.")
            return _back(pk)
    return invoice_page(request, invoice, status=400, line_status_form=form)


@require_POST
@seller_required("payments.record")
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the invoice on hold (no reminders) with a reason, or release the hold."""
    invoice = visible_invoice(request, pk)
    form = HoldForm(request.POST, prefix="hold")
    if request.POST.get("release"):
        try:
            invoice_release_hold(actor=request.user, invoice=invoice)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{invoice} is no longer on hold; reminders follow the schedule again.")
        return _back(pk)
    if form.is_valid():
        try:
            invoice_hold(actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            attach_error(form, exc, fields={"hold_reason": "reason"})
        else:
            messages.success(request, f"{invoice} is on hold: no reminders until you release it.")
            return _back(pk)
    return invoice_page(request, invoice, hold_form=form)


@require_POST
@seller_required("invoices.delete")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    form = CancelForm(request.POST, prefix="cancel")
    form.is_valid()
    try:
        invoice_cancel(actor=request.user, invoice=invoice, reason=form.cleaned_data.get("reason") or "")
    except DomainError as exc:
        messages.error(request, f"Not canceled: {exc.message}")
    else:
        messages.success(request, f"{invoice} canceled; its number stays used.")
    return _back(pk)


@require_POST
@seller_required("invoices.delete")
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    label = str(invoice)
    try:
        kept = invoice_delete(actor=request.user, invoice=invoice)
    except DomainError as exc:
        messages.error(request, f"Not deleted: {exc.message}")
        return _back(pk)
    if kept is None:
        messages.success(request, f"{label} deleted.")
        return redirect("seller:invoices")
    messages.success(request, f"{label} was issued, so it is canceled instead; its number stays used.")
    return _back(pk)


@require_POST
@seller_required("memos.create")
def credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    form = CreditNoteForm(request.POST, invoice=invoice, prefix="credit")
    if form.is_valid():
        try:
            credit = credit_note_create(actor=request.user, invoice=invoice, **form.service_arguments())
        except DomainError as exc:
            attach_error(form, exc, fields={"lines": "mode"})
        else:
            messages.success(request, f"Credit note {credit.number} issued for {invoice}.")
            return redirect("seller:invoice_detail", pk=credit.pk)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, credit_form=form)


@require_POST
@seller_required("memos.create")
def debit_note(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    form = DebitNoteForm(request.POST, prefix="debit")
    if form.is_valid():
        try:
            debit = debit_note_create(
                actor=request.user,
                company=invoice.company,
                invoice=invoice,
                lines=[form.line()],
                notes=form.cleaned_data.get("notes") or "",
            )
        except DomainError as exc:
            attach_error(
                form, exc, fields={"lines[0].unit_price": "amount", "lines[0].tax_rate": "tax_rate", "lines[0].description": "description"}
            )
        else:
            messages.success(request, f"Debit note {debit.number} issued for {invoice}.")
            return redirect("seller:invoice_detail", pk=debit.pk)
    return invoice_page(request, invoice, debit_form=form)


def _dispute(invoice_pk: int, dispute_pk: int) -> Dispute:
    return get_object_or_404(Dispute.objects.select_related("invoice", "line"), pk=dispute_pk, invoice_id=invoice_pk)


@require_POST
@seller_required("disputes.resolve")
def dispute_reject_view(request: HttpRequest, pk: int, dispute_pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    dispute = _dispute(pk, dispute_pk)
    form = DisputeRejectForm(request.POST, prefix=f"reject-{dispute.pk}")
    if form.is_valid():
        try:
            dispute_reject(actor=request.user, dispute=dispute, comment=form.cleaned_data["comment"])
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Dispute on line {dispute.line.line_no} rejected; the buyer sees your comment.")
            return _back(pk)
    return invoice_page(request, invoice, dispute_forms={dispute.pk: form})


@require_POST
@seller_required("disputes.resolve")
def dispute_credit_view(request: HttpRequest, pk: int, dispute_pk: int) -> HttpResponse:
    invoice = visible_invoice(request, pk)
    dispute = _dispute(pk, dispute_pk)
    form = DisputeCreditForm(request.POST, prefix=f"credit-{dispute.pk}")
    if form.is_valid():
        amount = (form.cleaned_data.get("amount") or "").strip() or None
        try:
            dispute = dispute_resolve_by_credit(
                actor=request.user, dispute=dispute, amount=amount, comment=form.cleaned_data.get("comment") or ""
            )
        except DomainError as exc:
            attach_error(form, exc)
        else:
            number = dispute.credit_note.number if dispute.credit_note else ""
            messages.success(request, f"Dispute on line {dispute.line.line_no} resolved by credit note {number}.")
            return _back(pk)
    invoice.refresh_from_db()
    return invoice_page(request, invoice, dispute_forms={dispute.pk: form})
