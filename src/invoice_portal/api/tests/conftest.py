from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from invoice_portal.api.services import api_token_create
from invoice_portal.testing import Personas

BASE = "/api/v1"
PERSONAS = ("admin", "finance", "sales", "alice", "bob", "carol", "walt", "charlie")


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any
    content_type: str


class ApiClient:
    """Calls the API as one token owner; bodies go out as JSON and come back parsed."""

    def __init__(self, token: str | None, *, enforce_csrf: bool = True) -> None:
        self.client = Client(enforce_csrf_checks=enforce_csrf)
        self.token = token

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None, raw: bytes | None = None) -> Reply:
        extra = {**(headers or {})}
        if self.token is not None:
            extra.setdefault("Authorization", f"Bearer {self.token}")
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else b"")
        kwargs: dict[str, Any] = {"headers": extra}
        if method.upper() != "GET":
            kwargs.update(data=data, content_type="application/json")
        response = getattr(self.client, method.lower())(path if path.startswith("/") else f"{BASE}/{path}", **kwargs)
        content_type = response.get("Content-Type", "")
        content = b"".join(response.streaming_content) if response.streaming else response.content
        parsed = json.loads(content) if content and "json" in content_type else content
        return Reply(response.status_code, parsed, response.headers, content_type)

    def get(self, path: str, **kw: Any) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.call("DELETE", path, **kw)


@pytest.fixture
def tokens(personas: Personas) -> dict[str, str]:
    return {name: api_token_create(actor=None, user=getattr(personas, name), name="tests")[1] for name in PERSONAS}


@pytest.fixture
def as_(tokens: dict[str, str]) -> Any:
    """``as_("finance").get("invoices")``: a client acting with that persona's token."""
    clients: dict[str, ApiClient] = {}

    def make(name: str) -> ApiClient:
        if name not in clients:
            clients[name] = ApiClient(tokens[name])
        return clients[name]

    return make


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient(None)


def problem_of(reply: Reply, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert the reply is a problem+json of ``status`` (and ``code``) and return its body."""
    assert reply.status == status, (reply.status, reply.body)
    assert reply.content_type.startswith("application/problem+json"), reply.content_type
    body = reply.body
    assert set(body) >= {"type", "title", "status", "detail", "code", "errors"}
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
