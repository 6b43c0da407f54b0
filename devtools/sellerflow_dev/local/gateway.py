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

Concurrency, as Lambda's: up to `environments` requests of one function run at once (default
`DEFAULT_ENVIRONMENTS`, or `SELLERFLOW_LOCAL_ENVIRONMENTS`; 1 gives the old one-at-a-time queue), so
a page's independent requests run in parallel instead of queueing behind each other. A function's
first request runs alone (its environment's init: the wiring's first builds). The dispatcher keeps
what Chalice and Powertools hold per invocation per thread (`sellerflow_dev.local.lambdas`). A
request still waiting for an environment whose client has gone (the browser aborted it on a reload)
is dropped before it is invoked (`drop_abandoned`, on in the local stack): its answer could not be
delivered, and here, unlike in AWS, its work would slow the requests of the page that replaced it.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
DEFAULT_ENVIRONMENTS = 4
ENVIRONMENTS_VARIABLE = "SELLERFLOW_LOCAL_ENVIRONMENTS"


def configured_environments() -> int:
    """How many environments per function: `SELLERFLOW_LOCAL_ENVIRONMENTS` (≥ 1) or the default."""
    given = os.environ.get(ENVIRONMENTS_VARIABLE, "").strip()
    if not given:
        return DEFAULT_ENVIRONMENTS
    if not given.isdigit() or int(given) < 1:
        raise ValueError(f"{ENVIRONMENTS_VARIABLE} must be a whole number ≥ 1, not {given!r}")
    return int(given)


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


class Environments:
    """Up to `count` concurrent invocations of one function (Lambda's environments of it); the
    function's first invocation runs alone, as an environment's init runs before it serves."""

    def __init__(self, count: int, *, warm: bool = False) -> None:
        if count < 1:
            raise ValueError("a function needs at least one environment")
        self.count = count
        self._slots = threading.BoundedSemaphore(count)
        self._init = threading.Lock()
        self._warm = warm
        self._lock = threading.Lock()
        self.busy = 0  # invocations running now
        self.busiest = 0  # the most that ran at once (tests, the bench)

    @contextmanager
    def slot(self, still_wanted: Callable[[], bool] = lambda: True) -> Iterator[bool]:
        """Wait for a free environment; yields whether to invoke (False: the caller is gone)."""
        with self._slots:
            if not still_wanted():
                yield False
                return
            if not self._warm:
                with self._init:
                    if not self._warm:  # the first: the others wait for its init
                        try:
                            with self._running():
                                yield True
                        finally:
                            self._warm = True
                        return
            with self._running():
                yield True

    def warm(self) -> bool:
        """Whether the function's first invocation (its init) has run."""
        return self._warm

    @contextmanager
    def _running(self) -> Iterator[None]:
        with self._lock:
            self.busy += 1
            self.busiest = max(self.busiest, self.busy)
        try:
            yield
        finally:
            with self._lock:
                self.busy -= 1


def client_connected(request: BaseHTTPRequestHandler) -> bool:
    """Whether the client still holds the connection (a closed one reads as an empty peek)."""
    connection: socket.socket = request.connection
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return not readable or connection.recv(1, socket.MSG_PEEK) != b""
    except (OSError, ValueError):
        return False


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
        environments: int | None = None,
        drop_abandoned: bool = False,
    ) -> None:
        self.routes = RouteTable(routes, public_routes)
        self._invoke = invoke
        # Up to N requests of a function at once, as N Lambda environments (module docstring).
        self.environment_count = configured_environments() if environments is None else environments
        if self.environment_count < 1:
            raise ValueError("a function needs at least one environment")
        self._environments: dict[str, Environments] = {}
        self._environments_lock = threading.Lock()
        # Drop a queued request whose client closed the connection (a browser's aborted fetch). Off
        # by default: a client that only half-closes (shuts its sending side and still reads) looks
        # the same from here; browsers never do that, so the local stack turns it on.
        self._drop_abandoned = drop_abandoned
        self.dropped = 0  # queued requests whose client left before an environment was free
        self._authorizer = authorizer
        self._stage = stage
        self._static = static
        self._static_headers = dict(static_headers or {})  # what CloudFront adds to the web app's files
        self._proxies = dict(proxies or {})  # path → POST forwarder (the web app's Cognito calls)
        gateway = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY: an answer's head and body leave as two writes; with Nagle's algorithm the
            # body waited for the client's delayed ACK of the head (40 ms on Linux) on every answer
            disable_nagle_algorithm = True

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

        self._server = _Server((host, port), _RequestHandler)
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
        wanted_still = (lambda: client_connected(request)) if self._drop_abandoned else (lambda: True)
        with self.environments(route.function).slot(wanted_still) as wanted:
            if not wanted:  # the client left while its request queued: no one to answer
                with self._environments_lock:
                    self.dropped += 1
                request.close_connection = True
                return
            response = self._invoke(route.function, event)
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        payload = response.get("body") or ""
        self._reply(
            request, int(response.get("statusCode", 500)), with_api_headers(headers), payload.encode()
        )

    def use_environments(self, count: int) -> None:
        """From the next request on, `count` environments per function (the bench's side by side)."""
        if count < 1:
            raise ValueError("a function needs at least one environment")
        with self._environments_lock:
            self.environment_count = count
            self._environments = {
                name: Environments(count, warm=old.warm()) for name, old in self._environments.items()
            }

    def environments(self, function: str) -> Environments:
        with self._environments_lock:
            found = self._environments.get(function)
            if found is None:
                found = self._environments[function] = Environments(self.environment_count)
            return found

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


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that reset its connection (a browser aborting its fetches on a reload) is no
        error of the gateway's: no traceback for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _claim_text(value: Any) -> str:
    """API Gateway hands claims to the function as strings."""
    if isinstance(value, list):
        return "[" + " ".join(str(v) for v in value) + "]"
    return str(value)
