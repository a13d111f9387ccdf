"""Staff single sign-on with OpenID Connect (``mozilla-django-oidc``), on only when it is configured.

The identity provider says who someone is; the portal decides what they may do. A sign-in matches an
*existing, active seller staff* user by the provider's verified email — never a company user, never a
new account (``OIDC_CREATE_USER`` is off): roles stay in the portal, given by an Admin. Password login
stays for installations without a provider and for everyone the provider does not know.

Settings (environment, read in ``settings.py``): ``OIDC_RP_CLIENT_ID``, ``OIDC_RP_CLIENT_SECRET``,
``OIDC_OP_AUTHORIZATION_ENDPOINT``, ``OIDC_OP_TOKEN_ENDPOINT``, ``OIDC_OP_USER_ENDPOINT``,
``OIDC_OP_JWKS_ENDPOINT`` (RS256 by default: ``OIDC_RP_SIGN_ALGO``), optional ``OIDC_PROVIDER_NAME``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from invoice_portal.accounts.models import User

BACKEND = "invoice_portal.accounts.oidc.StaffOIDCBackend"
REQUIRED = ("OIDC_RP_CLIENT_ID", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")


def oidc_enabled() -> bool:
    return all(getattr(settings, name, "") for name in REQUIRED) and BACKEND in settings.AUTHENTICATION_BACKENDS


def provider_name() -> str:
    return str(getattr(settings, "OIDC_PROVIDER_NAME", "") or "your identity provider")


class StaffOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # A provider that says the address is unverified does not prove who holds it.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            return User.objects.none()
        return User.objects.filter(email__iexact=email, company__isnull=True, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> None:
        return None  # never: staff and their roles are set up in the portal

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user


def authenticate(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise Http404("Single sign-on is not configured.")
    response: HttpResponse = OIDCAuthenticationRequestView.as_view()(request)
    return response


def callback(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise Http404("Single sign-on is not configured.")
    response: HttpResponse = OIDCAuthenticationCallbackView.as_view()(request)
    return response
