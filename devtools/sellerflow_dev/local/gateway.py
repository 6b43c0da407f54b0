"""A local stand-in for API Gateway: HTTP on loopback → REST proxy events → the API functions.

moto does not call Lambda from API Gateway, so this gateway does what the deployment's REST API does:
match the template's routes, run the Cognito user-pool authorizer (signature, issuer, audience,
expiry of the ID token), and hand the function whose `Api` event declares the route the same proxy
event AWS would (the general API function, or the buyer-PII one).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]  # (function name, proxy event) → proxy response
Proxy = Callable[[str | None, bytes], tuple[int, dict[str, str], bytes]]  # (x-amz-target, body) → reply


@dataclass(frozen=True)
class Route:
    method: str
    resource: str
    pattern: re.Pattern[str]
    function: str  # the name of the function whose Api event declares this route

    @classmethod
    def of(cls, method: str, resource: str, function: str) -> Route:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(resource))
        return cls(
            method=method.upper(), resource=resource, pattern=re.compile(f"^{regex}$"), function=function
        )


class RouteTable:
    """The template's API routes, each with the function that serves it (matched like API Gateway)."""

    def __init__(self, routes: list[tuple[str, str, str]]) -> None:
        self.routes = [Route.of(method, path, function) for method, path, function in routes]
        declared = [(r.method, r.resource) for r in self.routes]
        duplicated = {key for key in declared if declared.count(key) > 1}
        if duplicated:
            raise ValueError(f"routes declared by more than one function: {sorted(duplicated)}")

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None

    def path_known(self, path: str) -> bool:
        return any(route.pattern.match(path) for route in self.routes)


class CognitoAuthorizer:
    """What API Gateway's COGNITO_USER_POOLS authorizer checks, with the pool's own JWKS."""

    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self._issuer = issuer
        self._audience = audience

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        if not authorization:
            return None
        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=["RS256"], audience=self._audience, issuer=self._issuer
            )
        except jwt.PyJWTError:
            return None
        return claims


class LocalApiGateway:
    def __init__(
        self,
        routes: list[tuple[str, str, str]],
        invoke: Invoke,
        authorizer: CognitoAuthorizer,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stage: str = "local",
        static: Callable[[str], tuple[int, str, bytes] | None] | None = None,
        static_headers: dict[str, str] | None = None,
        proxies: dict[str, Proxy] | None = None,
    ) -> None:
        self.routes = RouteTable(routes)
        self._invoke = invoke
        self._authorizer = authorizer
        self._stage = stage
        self._static = static
        self._static_headers = dict(static_headers or {})  # what CloudFront adds to the web app's files
        self._proxies = dict(proxies or {})  # path → POST forwarder (the web app's Cognito calls)
        gateway = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                gateway._serve(self)

            def do_POST(self) -> None:
                gateway._serve(self)

            def do_PUT(self) -> None:
                gateway._serve(self)

            def do_DELETE(self) -> None:
                gateway._serve(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - the base's signature
                return  # quiet: requests can carry tokens in headers, never print them

        self._server = ThreadingHTTPServer((host, port), _RequestHandler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="local-api")
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- one request -----------------------------------------------------------------------------
    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length).decode() if length else None
        proxy = self._proxies.get(parts.path)
        if proxy is not None and request.command == "POST":
            status, proxied_headers, proxied = proxy(
                request.headers.get("x-amz-target"), (body or "").encode()
            )
            self._reply(request, status, proxied_headers, proxied)
            return
        match = self.routes.match(request.command, parts.path)
        if match is None:
            if request.command == "GET" and self._static is not None:
                found = self._static(parts.path)
                if found is not None:
                    headers = {"content-type": found[1], **self._static_headers}
                    self._reply(request, found[0], headers, found[2])
                    return
            self._reply_json(
                request, 404 if not self.routes.path_known(parts.path) else 405, {"message": "Not Found"}
            )
            return
        route, path_params = match
        claims = self._authorizer.claims(request.headers.get("authorization"))
        if claims is None:
            self._reply_json(request, 401, {"message": "Unauthorized"})
            return
        event = self._event(request, route, parts.path, parts.query, path_params, claims, body)
        response = self._invoke(route.function, event)
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        payload = response.get("body") or ""
        self._reply(request, int(response.get("statusCode", 500)), headers, payload.encode())

    def _event(
        self,
        request: BaseHTTPRequestHandler,
        route: Route,
        path: str,
        query: str,
        path_params: dict[str, str],
        claims: dict[str, Any],
        body: str | None,
    ) -> dict[str, Any]:
        multi_query = parse_qs(query, keep_blank_values=True)
        headers = {k: v for k, v in request.headers.items()}
        return {
            "resource": route.resource,
            "path": path,
            "httpMethod": route.method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.resource,
                "httpMethod": route.method,
                "path": f"/{self._stage}{path}",
                "stage": self._stage,
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": {"claims": {k: _claim_text(v) for k, v in claims.items()}},
            },
            "body": body,
            "isBase64Encoded": False,
        }

    def _reply_json(self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        self._reply(request, status, {"content-type": "application/json"}, json.dumps(body).encode())

    def _reply(
        self, request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        request.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                request.send_header(name, value)
        request.send_header("content-length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


def _claim_text(value: Any) -> str:
    """API Gateway hands claims to the function as strings."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
