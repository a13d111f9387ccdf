"""Who may open a supplier page: a signed-in user of a supplier company whose role grants the page's permission.

Everything they read comes through ``payables.selectors``' ``*_visible_to`` (their own company's only);
another company's purchase order or invoice is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from invoice_portal.accounts.selectors import user_has_perm

View = Callable[..., HttpResponseBase]


def supplier_can(user: Any, code: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.company_id is not None and user_has_perm(user, code))


def supplier_required(code: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not supplier_can(request.user, code):
                raise PermissionDenied(f"Needs the '{code}' permission of a supplier's user.")
            return view(request, *args, **kwargs)

        wrapped.supplier_permission = code  # type: ignore[attr-defined]
        return wrapped

    return decorator
