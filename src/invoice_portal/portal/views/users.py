"""The company admin's page: invite and deactivate the company's users, set each one's role and permission level."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.accounts.models import User
from invoice_portal.accounts.permissions import BUILTIN_ROLES, Level
from invoice_portal.accounts.selectors import role_levels
from invoice_portal.core.errors import DomainError, NotFound
from invoice_portal.portal import selectors
from invoice_portal.portal.forms import UserInviteForm, UserLevelForm, UserRoleForm, attach_error, company_roles, domain_message
from invoice_portal.portal.permissions import portal_required
from invoice_portal.portal.services import (
    COMPANY_ROLE_CODES,
    company_user_invite,
    company_user_reinvite,
    company_user_set_active,
    company_user_set_level,
    company_user_set_role,
)
from invoice_portal.portal.views.common import company_user

ROLE_NOTES = [(role.name, role.description) for role in BUILTIN_ROLES if role.code in COMPANY_ROLE_CODES]
LEVEL_NOTES = [
    (Level.OWN.label, "the invoices of the orders they placed"),
    (Level.COMPANY.label, "every invoice of the company"),
    (Level.TREE.label, "every invoice of the company and of its subsidiaries"),
]


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:users"), status=303)


def _page(
    request: HttpRequest, invite: UserInviteForm, *, level_form: tuple[int, UserLevelForm] | None = None, status: int = 200
) -> HttpResponse:
    """The page; ``level_form`` is a refused level change, shown on its user's row with its error."""
    users = list(selectors.company_users(request.user))
    defaults = role_levels(u.role_id for u in users)
    rows = []
    for u in users:
        default = defaults.get(u.role_id) if u.role_id is not None else None
        if level_form is not None and level_form[0] == u.pk:
            level = level_form[1]
            level.show_role_default(default)
        else:
            level = UserLevelForm(initial={"level": u.permission_level or ""}, prefix=f"user{u.pk}", role_level=default)
        rows.append((u, UserRoleForm(initial={"role": u.role_id}, prefix=f"user{u.pk}"), level))
    context: dict[str, Any] = {
        "rows": rows, "invite": invite, "role_notes": ROLE_NOTES, "level_notes": LEVEL_NOTES, "company": company_user(request).company,
    }  # fmt: skip
    return render(request, "portal/users.html", context, status=status)


def _blank_invite() -> UserInviteForm:
    return UserInviteForm(initial={"role": company_roles().filter(code="buyer").first()})


@require_http_methods(["GET", "POST"])
@portal_required("portal.users")
def users(request: HttpRequest) -> HttpResponse:
    """GET: the company's users. POST: invite a new one."""
    if request.method == "POST":
        invite = UserInviteForm(request.POST)
        if invite.is_valid():
            cd = invite.cleaned_data
            try:
                user = company_user_invite(
                    actor=request.user, email=cd["email"], full_name=cd.get("full_name") or "", role=cd["role"],
                    password=cd.get("password") or None,
                )  # fmt: skip
            except DomainError as exc:
                attach_error(invite, exc)
            else:
                if cd.get("password"):
                    messages.success(request, f"{user.email} can now sign in as {user.role}. Give them their initial password.")
                else:
                    messages.success(
                        request, f"Invitation emailed to {user.email}: they choose a password with the link and sign in as {user.role}."
                    )
                return _back()
        return _page(request, invite)
    return _page(request, _blank_invite())


def _user_change(request: HttpRequest, change: Callable[[], User], said: Callable[[User], str]) -> HttpResponse:
    """Run one change to a user of the own company: another company's user is 404, a refusal a message."""
    try:
        user = change()
    except NotFound:
        raise Http404("No such user.") from None
    except DomainError as exc:
        messages.error(request, domain_message(exc))
    else:
        messages.success(request, said(user))
    return _back()


@require_POST
@portal_required("portal.users")
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    return _user_change(
        request, lambda: company_user_set_active(actor=request.user, user=pk, active=active),
        lambda u: f"{u.email} is {'active again' if active else 'deactivated: they can no longer sign in'}.",
    )  # fmt: skip


@require_POST
@portal_required("portal.users")
def user_reinvite(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_change(
        request, lambda: company_user_reinvite(actor=request.user, user=pk), lambda u: f"A new invitation link is on its way to {u.email}."
    )


@require_POST
@portal_required("portal.users")
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = UserRoleForm(request.POST, prefix=f"user{pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the company roles.")
        return _back()
    role = form.cleaned_data["role"]
    return _user_change(
        request, lambda: company_user_set_role(actor=request.user, user=pk, role=role), lambda u: f"{u.email} is now {u.role}."
    )


@require_POST
@portal_required("portal.users")
def user_level(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a user's own permission level (empty: the role's); a refused change comes back on the page with its reason."""
    form = UserLevelForm(request.POST, prefix=f"user{pk}")
    if not form.is_valid():
        return _page(request, _blank_invite(), level_form=(pk, form), status=400)
    try:
        user = company_user_set_level(actor=request.user, user=pk, level=form.chosen())
    except NotFound:
        raise Http404("No such user.") from None
    except DomainError as exc:
        attach_error(form, exc)
        return _page(request, _blank_invite(), level_form=(pk, form), status=exc.status)
    level = Level(user.permission_level).label if user.permission_level else "the role default"
    messages.success(request, f"Permission level of {user.email}: {level}.")
    return _back()
