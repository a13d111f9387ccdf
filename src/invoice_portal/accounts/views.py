from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from invoice_portal.accounts.throttle import WINDOW, login_blocked, login_failed, login_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses sign-in while the email or the address has too many recent failures, and counts failures."""

    def clean(self) -> dict[str, Any]:
        email = self.data.get("username", "") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_blocked(email=email, address=address):
            minutes = int(WINDOW.total_seconds() // 60)
            raise ValidationError(f"Too many failed sign-ins. Wait {minutes} minutes or reset your password.", code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(email=email, address=address)
            raise
        login_succeeded(email=email)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from invoice_portal.accounts.oidc import oidc_enabled, provider_name

        return {**super().get_context_data(**kwargs), "oidc_enabled": oidc_enabled(), "oidc_provider": provider_name()}
