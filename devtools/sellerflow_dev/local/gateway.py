"""A local stand-in for API Gateway: HTTP on loopback → REST proxy events → the API functions.

moto does not call Lambda from API Gateway, so this gateway does what the deployment's REST API does:
match the template's routes, run the Cognito user-pool authorizer (signature, issuer, audience,
expiry of the ID token), and hand the function whose `Api` event declares the route the same proxy
event AWS would (the general API function, or the buyer-PII one).

Like CloudFront in front of the deployment, every answer that is not a dashboard file carries the API's
security headers (`sellerflow.api.errors.SECURITY_HEADERS`), and a malformed request (a body that is
not UTF-8 or not JSON, a missing, wrong or repeated content-length, a chunked or oversized body, a
path or query with broken percent-encoding, a request line the HTTP parser refuses) gets a JSON 4xx
with those headers, never a dropped connection.
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
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

import jwt

from sellerflow.api.errors import SECURITY_HEADERS

Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]  # (function name, proxy event) → proxy response
Proxy = Callable[[str | None, bytes], tuple[int, dict[str, str], bytes]]  # (x-amz-target, body) → reply

# A Lambda proxy integration takes at most 6 MB of request; API Gateway refuses more with 413.
MAX_BODY_BYTES = 6 * 1024 * 1024
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MalformedRequest(Exception):
    """A request the gateway answers itself with a JSON 4xx (`close`: the body was not read)."""

    def __init__(self, status: int, code: str, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.close = close


def read_body(headers: Any, rfile: Any) -> bytes:
    """The request's body, exactly content-length bytes of it (MalformedRequest otherwise)."""
    if headers.get("transfer-encoding"):
        raise MalformedRequest(
            411, "length_required", "send a content-length; chunked bodies are not accepted", close=True
        )
    lengths = headers.get_all("content-length") or []
    if not lengths:
        return b""
    if len(lengths) > 1 or not lengths[0].strip().isdigit():
        raise MalformedRequest(
            400, "bad_request", "content-length must be one non-negative integer", close=True
        )
    length = int(lengths[0].strip())
    if length > MAX_BODY_BYTES:
        raise MalformedRequest(
            413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes", close=True
        )
    body: bytes = rfile.read(length) if length else b""
    if len(body) < length:
        raise MalformedRequest(400, "bad_request", "the body is shorter than its content-length", close=True)
    return body


def decoded_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest(400, "bad_request", "the request body is not UTF-8") from None


def check_json(text: str) -> None:
    if not text:
        return
    try:
        json.loads(text)
    except ValueError:
        raise MalformedRequest(400, "bad_request", "the request body is not JSON") from None


def check_encoding(part: str, what: str) -> None:
    """A path or query whose percent-escapes are well formed and decode to printable UTF-8."""
    if _BAD_ESCAPE.search(part):
        raise MalformedRequest(400, "bad_request", f"the {what} has a malformed percent-escape")
    try:
        decoded = unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedRequest(400, "bad_request", f"the {what} does not decode to UTF-8") from None
    if _CONTROL.search(decoded):
        raise MalformedRequest(400, "bad_request", f"the {what} holds control characters")


def with_api_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the API's security headers, replacing any of the same name."""
    names = {name.lower() for name in SECURITY_HEADERS}
    return {**{k: v for k, v in headers.items() if k.lower() not in names}, **SECURITY_HEADERS}


@dataclass(frozen=True)
class Route:
    method: str
    resource: str
    pattern: re.Pattern[str]
    function: str  # the name of the function whose Api event declares this route
    public: bool = False  # `Auth: Authorizer: NONE`: no Cognito token, any body (Twilio's forms)

    @classmethod
    def of(cls, method: str, resource: str, function: str, *, public: bool = False) -> Route:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(resource))
        return cls(
            method=method.upper(), resource=resource, pattern=re.compile(f"^{regex}$"), function=function,
            public=public,
        )  # fmt: skip


class RouteTable:
    """The template's API routes, each with the function that serves it (matched like API Gateway)."""

    def __init__(
        self, routes: list[tuple[str, str, str]], public: frozenset[tuple[str, str]] = frozenset()
    ) -> None:
        self.routes = [
            Route.of(method, path, function, public=(method.upper(), path) in public)
            for method, path, function in routes
        ]
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
        public_routes: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.routes = RouteTable(routes, public_routes)
        self._invoke = invoke
        # One request at a time per function: a Lambda environment serves one invocation at a time
        # and the Chalice apps keep the request in module state (`app.current_request`). Lambda
        # would start a second environment; here the second request waits for the first.
        self._environments: dict[str, threading.Lock] = {}
        self._environments_lock = threading.Lock()
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

            def do_PATCH(self) -> None:
                gateway._serve(self)

            def do_OPTIONS(self) -> None:
                gateway._serve(self)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                """The HTTP parser's own refusals (bad request line, headers too long...), as JSON."""
                del explain
                self.close_connection = True
                if self.request_version == "HTTP/0.9":  # an unparsable request line: answer in HTTP/1.1
                    self.request_version = self.protocol_version
                status = code if 400 <= code < 500 else 400
                gateway._reply_json(
                    self, status, {"error": "bad_request", "message": message or "bad request"}, close=True
                )

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
        try:
            self._serve_checked(request)
        except MalformedRequest as bad:
            self._reply_json(request, bad.status, {"error": bad.code, "message": str(bad)}, close=bad.close)
        except (
            BrokenPipeError,
            ConnectionResetError,
        ):  # the client left (e.g. its timeout): no one to answer
            request.close_connection = True
        except Exception:  # the local runtime's own failure: a JSON 500, never a dropped connection
            self._reply_json(
                request, 500, {"error": "internal_error", "message": "An internal error occurred."}
            )

    def _serve_checked(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        check_encoding(parts.path, "path")
        check_encoding(parts.query, "query string")
        raw = read_body(request.headers, request.rfile)
        text = decoded_text(raw)
        body = text or None
        proxy = self._proxies.get(parts.path)
        if proxy is not None and request.command == "POST":
            status, proxied_headers, proxied = proxy(
                request.headers.get("x-amz-target"), (body or "").encode()
            )
            self._reply(request, status, with_api_headers(proxied_headers), proxied)
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
        if route.public:  # API Gateway passes it on as it came; the function checks its signature
            claims: dict[str, Any] | None = {}
        else:
            check_json(text)
            claims = self._authorizer.claims(request.headers.get("authorization"))
        if claims is None:
            self._reply_json(request, 401, {"message": "Unauthorized"})
            return
        event = self._event(request, route, parts.path, parts.query, path_params, claims, body)
        with self._environment(route.function):
            response = self._invoke(route.function, event)
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        payload = response.get("body") or ""
        self._reply(
            request, int(response.get("statusCode", 500)), with_api_headers(headers), payload.encode()
        )

    def _environment(self, function: str) -> threading.Lock:
        with self._environments_lock:
            return self._environments.setdefault(function, threading.Lock())

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
                **(
                    {"authorizer": {"claims": {k: _claim_text(v) for k, v in claims.items()}}}
                    if not route.public
                    else {}
                ),
            },
            "body": body,
            "isBase64Encoded": False,
        }

    def _reply_json(
        self, request: BaseHTTPRequestHandler, status: int, body: dict[str, Any], *, close: bool = False
    ) -> None:
        headers = with_api_headers({"content-type": "application/json"})
        if close:  # the body was not read: the connection cannot carry another request
            request.close_connection = True
            headers["connection"] = "close"
        self._reply(request, status, headers, json.dumps(body).encode())

    def _reply(
        self, request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        request.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                request.send_header(name, value)
        request.send_header("content-length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)


def _claim_text(value: Any) -> str:
    """API Gateway hands claims to the function as strings."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
