"""Administration (Admin role): users, roles and their permissions, portal settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.permissions import PERMISSIONS, Audience, Level
from invoice_portal.accounts.services import role_create, role_set_permission, user_create, user_set_active, user_set_role
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.documents.pdf import logo_content
from invoice_portal.notifications.selectors import notification_settings
from invoice_portal.notifications.services import notification_settings_update
from invoice_portal.seller import selectors
from invoice_portal.seller.forms import RoleCreateForm, SettingsForm, UserCreateForm, UserFilterForm, UserRoleForm, attach_error
from invoice_portal.seller.permissions import is_seller_staff, seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.services import (
    LOGO_MAX_BYTES,
    SETTINGS_FIELDS,
    billing_settings_update,
    portal_settings_set_logo,
    portal_settings_update,
)
from invoice_portal.seller.views.common import paginate, safe_next

# --- Users ----------------------------------------------------------------------------------------


def _users_page(request: HttpRequest, create_form: UserCreateForm | None = None) -> HttpResponse:
    filters = UserFilterForm(request.GET)
    page = paginate(request, selectors.user_list(filters.to_filters()))
    context = {
        "form": filters,
        "page": page,
        "create_form": create_form or UserCreateForm(),
        "roles": list(Role.objects.order_by("audience", "name")),
    }
    return render_page(request, "seller/admin/users.html", context, partial="seller/partials/user_results.html")


def _company_named(value: str) -> Company | None:
    value = value.strip()
    return Company.objects.filter(Q(external_id=value) | Q(name__iexact=value)).order_by("pk").first() if value else None


@require_http_methods(["GET", "POST"])
@seller_required("users.manage")
def users(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _users_page(request)
    form = UserCreateForm(request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        company = _company_named(cd["company"])
        if cd["company"].strip() and company is None:
            form.add_error("company", f"No company with external id or name '{cd['company']}'.")
        else:
            try:
                user = user_create(
                    actor=request.user,
                    email=cd["email"],
                    full_name=cd["full_name"],
                    role=cd["role"],
                    company=company,
                    password=cd["password"],
                )
            except DomainError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, f"{user.email} added as {user.role}.")
                return redirect("seller:users")
    return _users_page(request, create_form=form)


@require_POST
@seller_required("users.manage")
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        user_set_active(actor=request.user, user=user, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.email} {'activated' if active else 'deactivated'}.")
    return redirect(safe_next(request, "seller:users"))


@require_POST
@seller_required("users.manage")
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a role.")
    else:
        try:
            user_set_role(actor=request.user, user=user, role=form.cleaned_data["role"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{user.email} is now {form.cleaned_data['role']}.")
    return redirect(safe_next(request, "seller:users"))


# --- Roles ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@seller_required("roles.manage")
def roles(request: HttpRequest) -> HttpResponse:
    form = RoleCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = role_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            attach_error(form, exc)
        else:
            messages.success(request, f"Role {role.name} added: switch on its permissions below.")
            return redirect("seller:role_detail", pk=role.pk)
    return render_page(request, "seller/admin/roles.html", {"roles": list(selectors.role_list()), "form": form})


def role_permission_rows(role: Role) -> list[dict[str, Any]]:
    grants = selectors.role_grants(role)
    return [
        {"perm": perm, "enabled": perm.code in grants, "level": grants.get(perm.code) or ""}
        for perm in PERMISSIONS
        if perm.audience.value == role.audience
    ]


@require_http_methods(["GET", "POST"])
@seller_required("roles.manage")
def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role, pk=pk)
    if request.method == "POST":
        permission = request.POST.get("permission", "")
        enabled = request.POST.get("enabled") == "1"
        level = request.POST.get("level") or None
        try:
            role_set_permission(actor=request.user, role=role, permission=permission, enabled=enabled, level=level)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            state = f"on ({level})" if enabled and level else "on" if enabled else "off"
            messages.success(request, f"{permission} switched {state} for {role.name}; it applies from each user's next request.")
        return redirect("seller:role_detail", pk=role.pk)
    context = {
        "role": role,
        "rows": role_permission_rows(role),
        "is_buyer": role.audience == Audience.BUYER,
        "levels": [lv.value for lv in Level],
        "members": list(role.users.select_related("company").order_by("email")[:100]),
    }
    return render_page(request, "seller/admin/role_detail.html", context)


# --- Settings -------------------------------------------------------------------------------------


def _save_settings(request: HttpRequest, form: SettingsForm) -> None:
    """Profile and logo come from one form, so they are saved together or not at all."""
    upload = form.cleaned_data.get("logo")
    with transaction.atomic():
        portal_settings_update(actor=request.user, **form.settings_fields())
        notification_settings_update(actor=request.user, **form.notification_fields())
        billing_settings_update(actor=request.user, payment_instruction=form.cleaned_data.get("payment_instruction") or "")
        if upload is not None:
            # Read one byte past the limit: enough for the service to refuse a larger file without holding all of it.
            content = upload.read(LOGO_MAX_BYTES + 1)
            portal_settings_set_logo(actor=request.user, content=content, filename=upload.name or "")
        elif form.cleaned_data.get("remove_logo"):
            portal_settings_set_logo(actor=request.user, content=None)


@require_http_methods(["GET", "POST"])
@seller_required("settings.manage")
def settings_view(request: HttpRequest) -> HttpResponse:
    current = portal_settings()
    if request.method == "POST":
        form = SettingsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                _save_settings(request, form)
            except DomainError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("seller:settings")
    else:
        notify = notification_settings()
        form = SettingsForm(
            initial={
                **{name: getattr(current, name) for name in SETTINGS_FIELDS},
                "email_on_issue": notify.email_on_issue, "payment_receipts": notify.payment_receipts,
                "reminder_offsets": ", ".join(str(d) for d in notify.reminder_offsets),
                "payment_instruction": portal_settings().payment_instruction,
            }
        )  # fmt: skip
    return render_page(request, "seller/admin/settings.html", {"form": form, "logo": current.logo})


@require_GET
@login_required
def settings_logo(request: HttpRequest) -> HttpResponse:
    """The logo for the seller's own pages; seller staff only (documents embed it themselves)."""
    if not is_seller_staff(request.user):
        raise PermissionDenied("The logo is shown to seller staff.")
    logo = logo_content(portal_settings())
    if logo is None:
        raise Http404("No logo is set.")
    content, content_type = logo
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
