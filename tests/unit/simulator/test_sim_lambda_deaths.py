"""The fault campaign's dying Lambdas: a chosen invocation stops part-way, after what it already sent."""

from __future__ import annotations

import json
from typing import Any

import httpx

from sellerflow_dev.bench.chaos_campaign import LambdaDeaths


class _Dispatcher:
    """Stands in for the local stack's dispatcher: each invocation sends five requests, then answers."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def invoke(self, function_name: str, event: Any) -> tuple[str, bool]:
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        try:
            with httpx.Client(transport=transport) as client:
                for n in range(5):
                    client.get(f"http://sim.local/{n}")
                    self.sent.append(n)
        except Exception as exc:  # the dispatcher turns any error into Lambda's error shape
            return json.dumps({"errorType": type(exc).__name__}), True
        return json.dumps({"ok": True}), False


class _Stack:
    def __init__(self) -> None:
        self.dispatcher = _Dispatcher()


def test_a_dying_invocation_keeps_what_it_sent_and_fails_with_the_rest_undone() -> None:
    stack = _Stack()
    deaths = LambdaDeaths(stack, seed=3, rate=1.0)  # type: ignore[arg-type]
    with deaths.installed():
        body, errored = stack.dispatcher.invoke("SyncOrders", {})
    assert errored
    # What Lambda reports for a runtime that exited; the handler's own `except Exception` never saw it
    assert json.loads(body)["errorType"] == "Runtime.ExitError"
    assert len(stack.dispatcher.sent) < 5  # died part-way
    assert deaths.deaths == 1


def test_with_no_deaths_every_invocation_finishes_and_the_patches_are_undone() -> None:
    stack = _Stack()
    original_send = httpx.Client.send
    with LambdaDeaths(stack, seed=3, rate=0.0).installed():  # type: ignore[arg-type]
        results = [stack.dispatcher.invoke("SyncOrders", {}) for _ in range(10)]
    assert all(not errored for _, errored in results)
    assert stack.dispatcher.sent == list(range(5)) * 10
    assert httpx.Client.send is original_send
