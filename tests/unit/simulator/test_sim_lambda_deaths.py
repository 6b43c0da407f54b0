"""The fault campaign's Lambda faults: an invocation that dies part-way (after what it already sent,
nothing of its own clean-up), reported as Lambda reports it; an invocation delivered twice."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from sellerflow_dev.bench.chaos_campaign import LambdaFaults
from sellerflow_dev.local.lambdas import LambdaDispatcher
from sellerflow_dev.local.provision import FunctionSpec

# Each invocation sends five requests, then answers; its `finally` sends one more (its clean-up).
HANDLER = """
import httpx

sent = []


def handler(event, context):
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with httpx.Client(transport=transport) as client:
        try:
            for n in range(5):
                client.get(f"http://sim.local/{n}")
                sent.append((event["n"], n))
        except Exception:
            sent.append((event["n"], "caught"))
            raise
        finally:
            client.get("http://sim.local/cleanup")
            sent.append((event["n"], "cleanup"))
    return {"ok": True}
"""


class _Stack:
    def __init__(self, code_dir: Path) -> None:
        (code_dir / "app.py").write_text(HANDLER)
        spec = FunctionSpec(
            "Work", "work", "arn:aws:lambda:us-east-1:1:function:work", code_dir, "app.handler", {}, 3, 128
        )
        self.dispatcher = LambdaDispatcher({"Work": spec})

    def sent(self) -> list[tuple[int, object]]:
        return list(self.dispatcher.handler("work").__globals__["sent"])


def test_a_dying_invocation_keeps_what_it_sent_and_nothing_after_runs(tmp_path: Path) -> None:
    stack = _Stack(tmp_path)
    faults = LambdaFaults(stack, seed=5, death_rate=1.0)  # type: ignore[arg-type]  # dies after 1 call
    with faults.installed():
        body, errored = stack.dispatcher.invoke("work", {"n": 1})
    # What Lambda reports for a runtime that exited: the workflow's Retry matches on this errorType
    assert errored
    assert json.loads(body)["errorType"] == "Runtime.ExitError"
    sent = stack.sent()
    assert sent == [(1, 0)]  # died part-way: no `except` or `finally` of the handler got anything out
    assert faults.deaths == 1


def test_an_invocation_delivered_twice_runs_twice_and_the_caller_gets_one_answer(tmp_path: Path) -> None:
    stack = _Stack(tmp_path)
    faults = LambdaFaults(stack, seed=3, death_rate=0.0, duplicate_rate=1.0)  # type: ignore[arg-type]
    with faults.installed():
        body, errored = stack.dispatcher.invoke("work", {"n": 7})
    assert not errored
    assert json.loads(body) == {"ok": True}
    assert stack.sent() == [(7, n) for n in [0, 1, 2, 3, 4, "cleanup"]] * 2
    assert faults.duplicated == 1


def test_with_no_faults_every_invocation_finishes_and_the_patches_are_undone(tmp_path: Path) -> None:
    stack = _Stack(tmp_path)
    original_send = httpx.Client.send
    with LambdaFaults(stack, seed=3, death_rate=0.0).installed():  # type: ignore[arg-type]
        results = [stack.dispatcher.invoke("work", {"n": n}) for n in range(10)]
    assert all(not errored for _, errored in results)
    assert stack.sent() == [(n, step) for n in range(10) for step in [0, 1, 2, 3, 4, "cleanup"]]
    assert httpx.Client.send is original_send
