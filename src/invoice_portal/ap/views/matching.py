"""Matching and approval pages: hold queue, what waits for me, the actions on an invoice, tolerances, approver limits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.accounts.models import User
from invoice_portal.ap.forms import ApproverLimitForm, OrgToleranceForm, SupplierToleranceForm
from invoice_portal.ap.permissions import ap_required
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.forms import attach_error
from invoice_portal.invoices.models import Invoice, ReceivedStatus
from invoice_portal.payables import selectors
from invoice_portal.payables.models import ApprovalStep, ApproverLimit, SupplierTolerance, payables_settings
from invoice_portal.payables.services.ap_settings import approver_limit_set, payables_tolerances_update, supplier_tolerance_set
from invoice_portal.payables.services.approval import (
    approval_queue,
    received_invoice_approve,
    received_invoice_buyer_accept,
    received_invoice_correct,
    received_invoice_reject,
    received_invoice_send_to_buyer,
)


@require_GET
@ap_required("ap.view")
def holds(request: HttpRequest) -> HttpResponse:
    invoices = selectors.received_invoices_visible_to(request.user).filter(ap_status=ReceivedStatus.ON_HOLD).select_related(
        "company", "order"
    ).order_by("submitted_at", "pk")  # fmt: skip
    return render(request, "ap/holds.html", {"invoices": invoices})


@require_GET
@ap_required(None)
def approvals(request: HttpRequest) -> HttpResponse:
    """Invoices waiting for the signed-in user's review or approval (or their delegator's), oldest first, with age."""
    now = timezone.now()
    steps = [(step, (now - step.created_at).days) for step in approval_queue(request.user)]
    return render(request, "ap/approvals.html", {"steps": steps})


def _act(request: HttpRequest, pk: int, action: Any, done: str, **kwargs: Any) -> HttpResponse:
    invoice: Invoice = Invoice.objects.filter(pk=pk, direction="received").first()  # type: ignore[assignment]
    if invoice is None:
        raise Http404("No such received invoice.")
    try:
        action(actor=request.user, invoice=invoice, **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    from invoice_portal.ap.permissions import ap_can

    if ap_can(request.user, "ap.view") or waits_for(request.user, pk):
        return redirect("ap:ap_invoice_detail", pk=pk)
    return redirect("ap:ap_approvals")  # a requester without ``ap.view`` sees the invoice only while it waits for them


def _comment(request: HttpRequest) -> str:
    return request.POST.get("comment", "")[:1000]


@require_POST
@ap_required("ap.enter")
def invoice_send_to_buyer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, received_invoice_send_to_buyer, "Sent to the requester for review.", comment=_comment(request))


@require_POST
@ap_required("ap.enter")
def invoice_rematch(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, received_invoice_correct, "Matched again.")


@require_POST
@ap_required(None)
def invoice_buyer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, received_invoice_buyer_accept, "Accepted.", comment=_comment(request))


@require_POST
@ap_required("ap.approve")
def invoice_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, received_invoice_approve, "Approved.", comment=_comment(request))


@require_POST
@ap_required(None)
def invoice_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, received_invoice_reject, "Rejected; the supplier sees your comment.", comment=_comment(request))


def _suppliers() -> Any:
    return Company.objects.filter(is_supplier=True).order_by("name")


@require_http_methods(["GET", "POST"])
@ap_required("settings.manage")
def tolerances(request: HttpRequest) -> HttpResponse:
    org = payables_settings()
    names = list(OrgToleranceForm.base_fields)
    posted = request.method == "POST"
    org_form = OrgToleranceForm(request.POST if posted and "org" in request.POST else None, prefix="org",
                                initial={n: getattr(org, n) for n in names})  # fmt: skip
    supplier_form = SupplierToleranceForm(request.POST if posted and "supplier" in request.POST else None, prefix="sup",
                                          suppliers=_suppliers())  # fmt: skip
    form = org_form if org_form.is_bound else supplier_form if supplier_form.is_bound else None
    if form is not None and form.is_valid():
        cd = dict(form.cleaned_data)
        try:
            with transaction.atomic():
                if form is org_form:
                    payables_tolerances_update(actor=request.user, **cd)
                else:
                    supplier_tolerance_set(actor=request.user, **cd)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, "Tolerances saved.")
            return redirect("ap:ap_tolerances")
    overrides = SupplierTolerance.objects.select_related("supplier").order_by("supplier__name")
    context = {"org_form": org_form, "supplier_form": supplier_form, "overrides": overrides}
    return render(request, "ap/tolerances.html", context, status=422 if form is not None and form.errors else 200)


@require_http_methods(["GET", "POST"])
@ap_required("settings.manage")
def approvers(request: HttpRequest) -> HttpResponse:
    staff = User.objects.filter(company__isnull=True, is_active=True).order_by("email")
    form = ApproverLimitForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            approver_limit_set(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Approval limit of {form.cleaned_data['user']} saved.")
            return redirect("ap:ap_approvers")
    rows = ApproverLimit.objects.select_related("user", "delegate").order_by("currency", "limit", "user__email")
    return render(request, "ap/approvers.html", {"form": form, "rows": rows}, status=422 if form.errors else 200)


def waits_for(user: Any, invoice_pk: int) -> bool:
    """Whether a received invoice waits for ``user`` (or someone who delegated to them today)."""
    from invoice_portal.payables.services.approval import acting_for

    return ApprovalStep.objects.filter(invoice_id=invoice_pk, decision="pending", assignee_id__in=acting_for(user)).exists()


def match_context(invoice: Invoice, user: Any) -> dict[str, Any]:
    """What the invoice page adds for matching: each line's result and who may act now."""
    from invoice_portal.ap.permissions import ap_can
    from invoice_portal.payables.services.approval import acting_for, pending_step

    step = pending_step(invoice)
    mine = step is not None and step.assignee_id in acting_for(user)
    status = invoice.ap_status
    return {
        "match_lines": list(invoice.match_lines.order_by("line_no")),
        "step": step,
        "may_hold_actions": status == ReceivedStatus.ON_HOLD and ap_can(user, "ap.enter"),
        "may_buyer_decide": status == ReceivedStatus.PENDING_ORDER_ACCEPTANCE and mine,
        "may_approve": status == ReceivedStatus.PENDING_DELEGATED_APPROVAL and mine and ap_can(user, "ap.approve"),
    }
