"""A small OpenID provider for the tests: discovery, JWKS, token and userinfo on 127.0.0.1, RS256 keys made here."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class TestProvider:
    __test__ = False  # not a test class

    def __init__(self, *, client_id: str = "portal", client_secret: str = "provider-secret") -> None:  # noqa: S107 - a test secret
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize", "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo", "jwks_uri": f"{self.issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"], "response_types_supported": ["code"],
        }  # fmt: skip

    def authorize(self, params: dict[str, str], *, email: str, email_verified: bool = True, sub: str = "user-1") -> str:
        """What the provider does after the person signs in there: a one-time code bound to the request's nonce."""
        assert params["client_id"] == self.client_id
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "nonce": params.get("nonce"),
            "email": email,
            "email_verified": email_verified,
            "sub": sub,
            "redirect_uri": params["redirect_uri"],
        }
        return code

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["sub"],
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            "email": grant["email"],
        }
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        access = secrets.token_urlsafe(16)
        self.tokens[access] = grant
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def _userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        grant = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        if grant is None:
            return 401, {"error": "invalid_token"}
        return 200, {"sub": grant["sub"], "email": grant["email"], "email_verified": grant["email_verified"]}

    def start(self) -> TestProvider:
        provider = self
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif self.path == "/jwks":
                    self._send(200, {"keys": [jwk]})
                elif self.path == "/userinfo":
                    self._send(*provider._userinfo(self.headers.get("Authorization", "")))
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                self._send(*provider._token(form)) if self.path == "/token" else self._send(404, {"error": "not_found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
