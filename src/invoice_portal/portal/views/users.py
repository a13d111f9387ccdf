"""The company admin's page: invite and deactivate the company's users, set each one's role."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from invoice_portal.accounts.permissions import BUILTIN_ROLES
from invoice_portal.core.errors import DomainError, NotFound
from invoice_portal.portal import selectors
from invoice_portal.portal.forms import UserInviteForm, UserRoleForm, attach_error, company_roles
from invoice_portal.portal.permissions import portal_required
from invoice_portal.portal.services import COMPANY_ROLE_CODES, company_user_invite, company_user_set_active, company_user_set_role
from invoice_portal.portal.views.common import company_user

ROLE_NOTES = [(role.name, role.description) for role in BUILTIN_ROLES if role.code in COMPANY_ROLE_CODES]


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:users"), status=303)


def _page(request: HttpRequest, invite: UserInviteForm) -> HttpResponse:
    users = list(selectors.company_users(request.user))
    rows = [(u, UserRoleForm(initial={"role": u.role_id}, prefix=f"user{u.pk}")) for u in users]
    context: dict[str, Any] = {"rows": rows, "invite": invite, "role_notes": ROLE_NOTES, "company": company_user(request).company}
    return render(request, "portal/users.html", context)


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
                    actor=request.user, email=cd["email"], full_name=cd.get("full_name") or "", role=cd["role"], password=cd["password"]
                )
            except DomainError as exc:
                attach_error(invite, exc)
            else:
                messages.success(request, f"{user.email} can now sign in as {user.role}. Give them their initial password.")
                return _back()
        return _page(request, invite)
    return _page(request, UserInviteForm(initial={"role": company_roles().filter(code="buyer").first()}))


@require_POST
@portal_required("portal.users")
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    try:
        user = company_user_set_active(actor=request.user, user=pk, active=active)
    except NotFound:
        raise Http404("No such user.") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.email} is {'active again' if active else 'deactivated: they can no longer sign in'}.")
    return _back()


@require_POST
@portal_required("portal.users")
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = UserRoleForm(request.POST, prefix=f"user{pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the company roles.")
        return _back()
    try:
        user = company_user_set_role(actor=request.user, user=pk, role=form.cleaned_data["role"])
    except NotFound:
        raise Http404("No such user.") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{user.email} is now {user.role}.")
    return _back()
