"""The OpenAPI 3.1 document of the Sellerflow HTTP API, generated from the apps themselves.

    python -m sellerflow_dev.openapi docs/openapi.json      (`make openapi`)

Paths and methods are the Chalice apps' routes (the general API, the buyer-PII API and, in hosted
deployments with `Billing=on`, the billing API: one API Gateway); what each takes and answers is its `RouteDoc` (`sellerflow.api.docs`), and the request and
response schemas are the pydantic models' own (`models_json_schema`). Every route is behind the
Cognito user pool: `Authorization: Bearer <ID token>`, but for the public webhooks (Stripe's, checked by
its signature). tests/unit/api/test_api_openapi.py checks that
the committed document equals a fresh one and that the routes' real responses match it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from sellerflow.api.app import create_app
from sellerflow.api.billing_app import create_billing_app
from sellerflow.api.docs import ROUTE_DOCS, RouteDoc
from sellerflow.api.models import ErrorOut
from sellerflow.api.pii_app import create_pii_app

REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "cognitoIdToken"
ERROR_DESCRIPTIONS = {
    400: "Malformed request: an unknown, repeated or invalid query parameter, or an invalid body",
    401: "No token, or a token this user pool did not issue (expired, forged, another audience)",
    402: "The seller's plan does not allow it (`plan_limit_reached`: upgrade in billing) or the account is "
    "read-only (`billing_read_only`: pay to resume); nothing stored is changed. Only with Billing=on",
    403: "The caller's role lacks the permission (or: not an admin; an invalid connect state)",
    404: "No such seller for this caller (not a member looks the same), or no such item",
    409: "A conflict with the current state (see the message)",
    410: "The invitation is spent, revoked or expired",
    422: "Amazon will not carry this parcel to this address (an undeliverable address, no eligible service)",
    429: "Amazon is rate limiting this seller; retry after `Retry-After` seconds",
    500: "An internal error (the message is generic)",
    502: "Amazon did not answer (a label purchase: it may be charged; retrying returns the same label)",
}
# Query parameters that are not plain strings.
QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "string", "pattern": "^[0-9]{1,4}$", "description": "a positive integer"},
    "from": {"type": "string", "description": "an ISO date (YYYY-MM-DD) or datetime"},
    "to": {"type": "string", "description": "an ISO date (YYYY-MM-DD) or datetime"},
    "persist": {"type": "string", "enum": ["true", "false"]},
    "purpose": {"type": "string", "enum": ["shipping_label"]},
    "range": {"type": "string"},
    "status": {"type": "string", "description": "comma-separated FulfillmentStatus values"},
}


def apps() -> dict[str, Chalice]:
    """The apps whose routes the document describes, by the function that serves them."""
    return {
        "ApiFunction": create_app(eager=True),
        "PiiApiFunction": create_pii_app(eager=True),
        "BillingFunction": create_billing_app(eager=True),
    }


# Public routes: no token (the caller proves itself otherwise, e.g. Stripe's signature header).
PUBLIC_PATHS = frozenset({"/webhooks/stripe"})


def _schemas(docs: dict[tuple[str, str], RouteDoc]) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorOut, "serialization")]
    for doc in docs.values():
        if doc.response is not None:
            models.append((doc.response, "serialization"))
        if doc.body is not None:
            models.append((doc.body, "validation"))
    unique = list(dict.fromkeys(models))
    refs, definitions = models_json_schema(unique, ref_template=REF)
    found: dict[Any, dict[str, Any]] = dict(refs)
    return found, definitions.get("$defs", {})


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _parameters(path: str, doc: RouteDoc) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{([A-Za-z]+)\}", path)
    ]
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": name in doc.required_query,
            "schema": QUERY_SCHEMAS.get(name, {"type": "string"}),
        }
        for name in doc.query
    ]
    return parameters


def _error_statuses(path: str, doc: RouteDoc) -> list[int]:
    statuses = {400, 401, 500, *doc.errors} - ({401} if path in PUBLIC_PATHS else set())
    if path.startswith("/sellers/{sellerId}") or path.startswith("/admin/sellers/{sellerId}"):
        statuses |= {403, 404}
    return sorted(statuses)


def _responses(path: str, doc: RouteDoc, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in (doc.status, *doc.also):
        if doc.response is None:
            responses[str(status)] = {"description": "Done; no body"}
            continue
        answer: dict[str, Any] = {
            "description": doc.summary,
            "content": _json_content(refs[(doc.response, "serialization")]),
        }
        if status == 302:
            answer["description"] = "Redirect to `Location` (the same body, for scripts)"
            answer["headers"] = {"Location": {"schema": {"type": "string", "format": "uri"}}}
        responses[str(status)] = answer
    error_schema = refs[(ErrorOut, "serialization")]
    for status in _error_statuses(path, doc):
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": _json_content(error_schema),
        }
    return responses


def _operation(method: str, path: str, function: str, doc: RouteDoc, refs: Any) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": doc.summary,
        "operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path).rstrip('_')}",
        "tags": [path.split("/")[3] if path.startswith("/sellers/{sellerId}/") else path.split("/")[1]],
        "parameters": _parameters(path, doc),
        "responses": _responses(path, doc, refs),
        "x-sellerflow-function": function,
    }
    if path in PUBLIC_PATHS:
        operation["security"] = []
        operation["parameters"].append(
            {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
        )
    if doc.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": _json_content(refs[(doc.body, "validation")]),
        }
    return operation


def openapi_document() -> dict[str, Any]:
    routes = {
        (method, path): function
        for function, app in apps().items()
        for path, methods in app.routes.items()
        for method in methods
    }
    missing = sorted(set(routes) - set(ROUTE_DOCS))
    if missing:
        raise LookupError(f"routes without a RouteDoc: {missing}")
    docs = {route: ROUTE_DOCS[route] for route in routes}
    refs, definitions = _schemas(docs)
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), function in sorted(routes.items(), key=lambda r: (r[0][1], r[0][0])):
        paths.setdefault(path, {})[method.lower()] = _operation(
            method, path, function, docs[(method, path)], refs
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sellerflow API",
            "version": "1",
            "description": "A seller's Amazon data, teams, alerts and data rights. Generated by "
            "`make openapi` from the Chalice apps (sellerflow.api.app, sellerflow.api.pii_app, "
            "sellerflow.api.billing_app).",
        },
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The Cognito user pool's ID token (token_use=id, aud=the app client)",
                }
            },
        },
    }


def render() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sellerflow_dev.openapi <output.json>", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
