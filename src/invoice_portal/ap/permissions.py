"""Who may open an AP page: signed-in staff whose role grants the page's permission (company users: 403)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from invoice_portal.accounts.selectors import user_has_perm

View = Callable[..., HttpResponseBase]


def is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.company_id is None)


def ap_can(user: Any, code: str) -> bool:
    return is_staff(user) and user_has_perm(user, code)


def ap_required(code: str | None) -> Callable[[View], View]:
    """Require login (redirect), staff, and ``code`` (403 otherwise); ``None``: any staff member (the page checks more)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (is_staff(request.user) if code is None else ap_can(request.user, code)):
                raise PermissionDenied(f"Needs the '{code}' permission." if code else "AP pages are for our own staff.")
            return view(request, *args, **kwargs)

        wrapped.ap_permission = code  # type: ignore[attr-defined]
        return wrapped

    return decorator
