"""Administration (Admin role): users, roles and their permissions, portal settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.permissions import PERMISSIONS, Audience, Level
from invoice_portal.accounts.services import role_create, role_set_permission, user_create, user_set_active, user_set_role
from invoice_portal.companies.models import Company
from invoice_portal.core.errors import DomainError
from invoice_portal.core.settings_store import portal_settings
from invoice_portal.seller import selectors
from invoice_portal.seller.forms import RoleCreateForm, SettingsForm, UserCreateForm, UserFilterForm, UserRoleForm, attach_error
from invoice_portal.seller.permissions import seller_required
from invoice_portal.seller.rendering import render_page
from invoice_portal.seller.services import SETTINGS_FIELDS, portal_settings_update
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


@require_http_methods(["GET", "POST"])
@seller_required("settings.manage")
def settings_view(request: HttpRequest) -> HttpResponse:
    current = portal_settings()
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                portal_settings_update(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("seller:settings")
    else:
        form = SettingsForm(initial={name: getattr(current, name) for name in SETTINGS_FIELDS})
    return render_page(request, "seller/admin/settings.html", {"form": form})
