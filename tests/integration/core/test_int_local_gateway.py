"""The local API gateway over real HTTP: the API's security headers on everything that is not a
dashboard file, and a JSON 4xx (never a dropped connection) for every kind of malformed request."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sellerflow.api.errors import SECURITY_HEADERS
from sellerflow_dev.local.gateway import MAX_BODY_BYTES, LocalApiGateway


class _AnyToken:
    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        return {"sub": "sub-1"} if authorization == "Bearer good" else None


@pytest.fixture
def gateway() -> Iterator[tuple[LocalApiGateway, list[dict[str, Any]]]]:
    invoked: list[dict[str, Any]] = []

    def invoke(_function: str, event: dict[str, Any]) -> dict[str, Any]:
        invoked.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}

    routes = [("POST", "/invitations/accept", "api"), ("GET", "/sellers/{sellerId}/orders/{orderId}", "api")]
    gw = LocalApiGateway(routes, invoke, _AnyToken())  # type: ignore[arg-type]
    gw.start()
    yield gw, invoked
    gw.stop()


def _raw(gw: LocalApiGateway, request: bytes) -> tuple[int, dict[str, str], Any]:
    """Send bytes as they are; the status, headers and JSON body of the answer (never a dropped line)."""
    host, port = gw.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    assert data, "the gateway dropped the connection without an answer"
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def _post(path: str, body: bytes, *extra: str, length: str | None = None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: x",
        "Authorization: Bearer good",
        "Content-Type: application/json",
    ]
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join([*lines, *extra]) + "\r\n\r\n").encode() + body


def _assert_api_headers(headers: dict[str, str]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, name


MALFORMED = {
    "non-UTF-8 body": (_post("/invitations/accept", b'{"token": "\xff\xfe"}'), 400),
    "bad JSON": (_post("/invitations/accept", b'{"token": '), 400),
    "content-length not a number": (_post("/invitations/accept", b"{}", length="ten"), 400),
    "negative content-length": (_post("/invitations/accept", b"{}", length="-1"), 400),
    "two content-lengths": (_post("/invitations/accept", b"{}", "Content-Length: 3"), 400),
    "body shorter than its length": (_post("/invitations/accept", b"{}", length="50"), 400),
    "oversized body": (_post("/invitations/accept", b"{}", length=str(MAX_BODY_BYTES + 1)), 413),
    "chunked body": (_post("/invitations/accept", b"", "Transfer-Encoding: chunked"), 411),
    "broken percent-escape": (b"GET /sellers/A%ZZ/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "path not UTF-8": (b"GET /sellers/A%FF/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "control character in path": (b"GET /sellers/A%00/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "query not UTF-8": (b"GET /sellers/A/orders/1?x=%C3 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "garbage request line": (b"NONSENSE\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_request_gets_a_json_4xx_with_the_headers(
    gateway: tuple[LocalApiGateway, list[dict[str, Any]]], case: str
) -> None:
    gw, invoked = gateway
    request, status = MALFORMED[case]
    got, headers, body = _raw(gw, request)
    assert got == status, (case, body)
    assert body["message"]
    assert headers["content-type"] == "application/json"
    _assert_api_headers(headers)
    assert invoked == []  # nothing malformed reaches a function


def test_answers_of_functions_and_of_the_gateway_carry_the_api_headers(
    gateway: tuple[LocalApiGateway, list[dict[str, Any]]],
) -> None:
    gw, invoked = gateway
    for request, status in (
        (_post("/invitations/accept", b'{"token": "t"}'), 200),
        (b"GET /sellers/A/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n", 401),
        (b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404),
        (b"PATCH /invitations/accept HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
    ):
        got, headers, _ = _raw(gw, request)
        assert got == status
        _assert_api_headers(headers)
    assert len(invoked) == 1
    assert invoked[0]["body"] == '{"token": "t"}'


@pytest.mark.parametrize("environments", [1, 3])
def test_a_function_serves_up_to_its_environments_requests_at_once(environments: int) -> None:
    # Given a gateway of N environments per function, and functions that take a while
    running: dict[str, int] = {}
    most: dict[str, int] = {}
    lock = threading.Lock()

    def invoke(function: str, event: dict[str, Any]) -> dict[str, Any]:
        with lock:
            running[function] = running.get(function, 0) + 1
            most[function] = max(most.get(function, 0), running[function])
        time.sleep(0.1)
        with lock:
            running[function] -= 1
        body = json.dumps({"path": event["path"]})
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body}

    routes = [("GET", "/sellers/{sellerId}/orders/{orderId}", "api"), ("GET", "/sellers/{sellerId}", "pii")]
    gw = LocalApiGateway(routes, invoke, _AnyToken(), environments=environments)  # type: ignore[arg-type]
    gw.start()
    try:

        def call(path: str) -> str:
            request = urllib.request.Request(gw.url + path, headers={"Authorization": "Bearer good"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert answer.status == 200
                return str(json.loads(answer.read())["path"])

        # When eight requests for each function arrive at once
        paths = [p for i in range(8) for p in (f"/sellers/S{i}/orders/1", f"/sellers/S{i}")]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answered = list(pool.map(call, paths))
    finally:
        gw.stop()
    # Then each got its own answer, and each function ran at most N of them at once (N when it could)
    assert answered == paths
    assert most == {"api": environments, "pii": environments}
    assert gw.environments("api").busiest == environments


def test_a_queued_request_whose_client_left_is_dropped_before_it_runs() -> None:
    # Given one environment, busy with a first request until released
    release = threading.Event()
    invoked: list[str] = []

    def invoke(_function: str, event: dict[str, Any]) -> dict[str, Any]:
        invoked.append(event["path"])
        if event["path"] == "/sellers/first":
            release.wait(timeout=10)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    gw = LocalApiGateway(
        [("GET", "/sellers/{sellerId}", "api")], invoke, _AnyToken(), environments=1, drop_abandoned=True
    )  # type: ignore[arg-type]
    gw.start()
    try:
        host, port = gw.url.removeprefix("http://").split(":")
        first = threading.Thread(target=_get, args=(gw, "/sellers/first"))
        first.start()
        while not invoked:
            time.sleep(0.01)
        # When a second request queues and its client closes the connection (a browser's abort)
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(b"GET /sellers/abandoned HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n\r\n")
            time.sleep(0.2)  # read and queued behind the first
        release.set()
        first.join()
        # Then it is never invoked, and the next request is served as usual
        assert _get(gw, "/sellers/after") == 200
    finally:
        gw.stop()
    assert invoked == ["/sellers/first", "/sellers/after"]
    assert gw.dropped == 1


def _get(gw: LocalApiGateway, path: str) -> int:
    request = urllib.request.Request(gw.url + path, headers={"Authorization": "Bearer good"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(answer.status)
