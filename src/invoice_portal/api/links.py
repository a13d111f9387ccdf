"""OpenAPI links: what an operation creates, and where its ``id`` may be used next.

A client (and a stateful fuzzer) reads them as "after POST /invoices, GET /invoices/{invoice_id}
with the id of the answer". Each creating operation names the path parameter its answer's ``id``
fills; every operation whose only path parameter has that name gets a link from it.
"""

from __future__ import annotations

import re
from typing import Any

# (method, path without the API prefix) -> the path parameter the created object's id fills.
CREATES: dict[tuple[str, str], str] = {
    ("post", "/companies"): "company_id",
    ("post", "/orders"): "order_id",
    ("post", "/orders/{order_id}/invoice"): "invoice_id",
    ("post", "/invoices"): "invoice_id",
    ("post", "/invoices/{invoice_id}/credit-note"): "invoice_id",
    ("post", "/invoices/{invoice_id}/lines/{line_no}/dispute"): "dispute_id",
    ("post", "/payments"): "payment_id",
    ("post", "/imports"): "batch_id",
}
PARAMETER = re.compile(r"{(\w+)}")


def _link_name(method: str, path: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", PARAMETER.sub("", path)) if w][2:]  # without "api", "v1"
    return method.capitalize() + "".join(w.capitalize() for w in words)


def add_links(schema: dict[str, Any], prefix: str) -> None:
    """Add ``links`` to the success answers of the creating operations of an OpenAPI document (in place)."""
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    targets: dict[str, list[tuple[str, str, str]]] = {}
    for path, methods in paths.items():
        names = PARAMETER.findall(path)
        if len(names) == 1:
            for method, operation in methods.items():
                if "operationId" in operation:
                    targets.setdefault(names[0], []).append((method, path, operation["operationId"]))
    for (method, path), parameter in CREATES.items():
        operation = paths.get(prefix + path, {}).get(method)
        if operation is None:
            continue
        for status, response in operation.get("responses", {}).items():
            if not str(status).startswith("2") or "content" not in response:
                continue
            links = response.setdefault("links", {})
            for target_method, target_path, operation_id in targets.get(parameter, []):
                links[_link_name(target_method, target_path)] = {
                    "operationId": operation_id,
                    "parameters": {parameter: "$response.body#/id"},
                }
