"""Secrets encrypted at rest (store credentials, outbound webhook signing secrets): Fernet with a key derived from ``SECRET_KEY``.

The key is HKDF-SHA256 over ``SECRET_KEY`` with a purpose string, so it is never the secret key itself
and no other use of ``SECRET_KEY`` can produce it. Changing ``SECRET_KEY`` makes stored credentials
unreadable: ``secret_decrypt`` then raises ``CredentialsUnreadable`` and the connection page asks for
them again (a webhook endpoint's secret is rotated instead).

The purpose string is the one the store connections were first encrypted with; it stays, so what is
stored keeps decrypting.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from invoice_portal.core.errors import DomainError

_PURPOSE = b"invoice_portal.integrations.credentials.v1"


class CredentialsUnreadable(DomainError):
    code = "credentials_unreadable"
    status = 409
    title = "Stored credentials cannot be read"


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def secret_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable("The stored credentials cannot be decrypted (was SECRET_KEY changed?): enter them again.") from exc
