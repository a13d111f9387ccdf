"""One login with the storefront: the store's signed "current customer" JWT opens the portal.

BigCommerce's Current Customer API (``/customer/current.jwt?app_client_id=…``, documented under
"Current customer" in the developer docs) gives storefront JavaScript a JWT signed HS256 with the
app's client secret: ``iss: "bc/apps"``, ``aud``: the app's client id, ``customer: {id, email,
group_id}``, ``store_hash``, ``iat``, ``exp``, ``operation: "current_customer"``. The storefront posts
it here; we verify it with PyJWT (algorithm, signature, issuer, audience, expiry and the claims we
need) and refuse anything else without logging anyone in.

The customer is then mapped to a portal user of their B2B company: a user linked before
(``StoreCustomerLink``), or one created on the first visit with the built-in Buyer role — the
narrowest (own orders only); a company admin can raise it. A customer of no B2B company, or of a
company not set up here, is refused; an email that belongs to staff or another company's user is
never taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt
from django.db import transaction

from invoice_portal.accounts.models import Role, User
from invoice_portal.accounts.services import user_create
from invoice_portal.companies.models import Company
from invoice_portal.core.encryption import secret_decrypt
from invoice_portal.core.errors import DomainError
from invoice_portal.integrations.models import StoreConnection, StoreCustomerLink
from invoice_portal.integrations.stores.base import StoreConnector

ISSUER = "bc/apps"
REQUIRED_CLAIMS = ["iss", "aud", "iat", "exp", "customer", "store_hash"]
LEEWAY_SECONDS = 30
DEFAULT_ROLE = "buyer"


class StorefrontLoginRefused(DomainError):
    code = "storefront_login_refused"
    status = 403
    title = "The storefront login was refused"


@dataclass(frozen=True)
class StorefrontCustomer:
    customer_id: str
    email: str
    group_id: str


def storefront_token_verify(*, connection: StoreConnection, token: str) -> StorefrontCustomer:
    """The customer a storefront JWT names, or ``StorefrontLoginRefused`` saying why (status 401 for a bad token)."""
    secret = secret_decrypt(connection.app_client_secret_encrypted)
    if not secret or not connection.app_client_id:
        raise StorefrontLoginRefused("This store connection has no storefront app (client id and secret) set up.")
    if not token:
        raise _bad_token("no token was sent")
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=connection.app_client_id, issuer=ISSUER, leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise _bad_token("the token has expired; sign in from the store again") from exc
    except jwt.InvalidAudienceError as exc:
        raise _bad_token("the token is for another app") from exc
    except jwt.InvalidIssuerError as exc:
        raise _bad_token("the token was not issued by the store") from exc
    except jwt.InvalidSignatureError as exc:
        raise _bad_token("the token's signature does not verify") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _bad_token(f"the token lacks the {exc.claim} claim") from exc
    except jwt.InvalidTokenError as exc:
        raise _bad_token(f"the token is not valid ({exc})") from exc
    if claims.get("store_hash") != connection.store_hash:
        raise _bad_token("the token is for another store")
    if claims.get("operation", "current_customer") != "current_customer":
        raise _bad_token("the token is not a current-customer token")
    customer = claims.get("customer")
    if not isinstance(customer, dict) or not str(customer.get("id", "")).isdigit() or not customer.get("email"):
        raise _bad_token("the token names no customer id and email")
    return StorefrontCustomer(str(customer["id"]), str(customer["email"]).strip().lower(), str(customer.get("group_id") or ""))


def _bad_token(reason: str) -> StorefrontLoginRefused:
    error = StorefrontLoginRefused(f"Storefront sign-in refused: {reason}.")
    error.status = 401
    return error


def storefront_user(*, connection: StoreConnection, connector: StoreConnector, customer: StorefrontCustomer) -> User:
    """The portal user of a verified storefront customer, created on the first visit."""
    link = StoreCustomerLink.objects.filter(connection=connection, customer_id=customer.customer_id).select_related("user").first()
    if link is not None:
        if not link.user.is_active:
            raise StorefrontLoginRefused("Your portal account is deactivated: ask your company admin.")
        return link.user
    company = connector.customer_company(customer.customer_id)
    if company is None:
        raise StorefrontLoginRefused("Your store account belongs to no B2B company, so there are no invoices here for it.")
    ours = Company.objects.filter(external_id=company.company_id).first()
    if ours is None:
        raise StorefrontLoginRefused(f"Your company ({company.name}) is not set up in the invoice portal yet: ask the seller.")
    return _link_or_create(connection, customer, ours)


@transaction.atomic
def _link_or_create(connection: StoreConnection, customer: StorefrontCustomer, company: Company) -> User:
    actor: Any = f"storefront login {connection.name}"
    user = User.objects.select_for_update().filter(email=customer.email).first()
    if user is not None and user.company_id != company.pk:
        raise StorefrontLoginRefused("This email belongs to another portal account: sign in with your password, or ask the seller.")
    if user is not None and not user.is_active:
        raise StorefrontLoginRefused("Your portal account is deactivated: ask your company admin.")
    if user is None:
        user = user_create(actor=actor, email=customer.email, role=Role.objects.get(code=DEFAULT_ROLE), company=company)
    StoreCustomerLink.objects.get_or_create(connection=connection, customer_id=customer.customer_id, defaults={"user": user})
    return user
