from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from invoice_portal.accounts.throttle import WINDOW, client_address, login_attempt_start, login_failures_purge, login_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses sign-in while the email or the address has too many recent failures, and counts failures."""

    def clean(self) -> dict[str, Any]:
        email = self.data.get("username", "") or ""
        address = client_address(self.request) if self.request else ""
        attempt = login_attempt_start(email=email, address=address)
        if attempt is None:
            minutes = int(WINDOW.total_seconds() // 60)
            raise ValidationError(f"Too many failed sign-ins. Wait {minutes} minutes or reset your password.", code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failures_purge()  # the attempt stays recorded as a failure
            raise
        login_succeeded(email=email)
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from invoice_portal.accounts.oidc import oidc_enabled, provider_name

        return {**super().get_context_data(**kwargs), "oidc_enabled": oidc_enabled(), "oidc_provider": provider_name()}
