"""Who may open a portal page: signed-in company users whose role grants the page's permission.

Every portal view is wrapped by ``portal_required``; templates ask the same question through the
``can`` filter, so a control is shown exactly when its view would accept the request. Which
invoices a permitted user then sees is never decided here: that is ``invoices_visible_to``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from invoice_portal.accounts.permissions import Level
from invoice_portal.accounts.selectors import user_has_perm, user_perm_level

View = Callable[..., HttpResponseBase]

# Levels at which a permission covers the whole company (a statement of account is the company's).
COMPANY_LEVELS = (Level.COMPANY, Level.TREE)


def is_company_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.company_id is not None)


def portal_can(user: Any, code: str) -> bool:
    """The one test behind every portal page and control: a company user whose role grants ``code``."""
    return is_company_user(user) and user_has_perm(user, code)


def portal_can_for_company(user: Any, code: str) -> bool:
    """``code`` granted for the whole company (or its tree), not only for the user's own orders."""
    return portal_can(user, code) and user_perm_level(user, code) in COMPANY_LEVELS


def portal_required(code: str, *, company_wide: bool = False) -> Callable[[View], View]:
    """Require login (redirect), a company user (seller staff are sent to their workspace) and ``code`` (403).

    ``company_wide``: the permission must be granted at company or tree level (own orders are not enough).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "company_id", None) is None:
                if user_has_perm(user, "invoices.view"):
                    return redirect("seller:home")
                raise PermissionDenied("The buyer portal is for users of customer companies.")
            allowed = portal_can_for_company(user, code) if company_wide else portal_can(user, code)
            if not allowed:
                raise PermissionDenied(f"Needs the '{code}' permission.")
            return view(request, *args, **kwargs)

        wrapped.portal_permission = code  # type: ignore[attr-defined]
        return wrapped

    return decorator
