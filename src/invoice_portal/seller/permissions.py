"""Who may open a seller page: signed-in seller staff whose role grants the page's permission.

Every seller view is wrapped by ``seller_required``; templates ask the same question through
the ``can`` filter, so a control is shown exactly when its view would accept the request.
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


def is_seller_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.company_id is None)


def seller_can(user: Any, code: str) -> bool:
    """The one test behind every seller page and control: seller staff, and the role grants ``code``."""
    return is_seller_staff(user) and user_has_perm(user, code)


def seller_required(code: str) -> Callable[[View], View]:
    """Require login (redirect) and the permission ``code`` (403 otherwise). Company users always get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not seller_can(request.user, code):
                raise PermissionDenied(f"Needs the '{code}' permission.")
            return view(request, *args, **kwargs)

        wrapped.seller_permission = code  # type: ignore[attr-defined]
        return wrapped

    return decorator
