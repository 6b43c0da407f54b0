"""The local runtime's concurrent invocations of one function (devtools only): a Chalice app's request
is per thread, Powertools' shared metric set is never iterated while another invocation adds to it,
the Logger's per-invocation keys are per thread, and a gateway function's environments."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from chalice.app import Chalice

from sellerflow_dev.local.gateway import Environments, configured_environments
from sellerflow_dev.local.lambdas import per_thread_log_keys, per_thread_requests, serialize_metrics


def _event(path: str) -> dict[str, Any]:
    return {
        "resource": "/echo/{name}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"x-caller": path.rsplit("/", 1)[-1]},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"name": path.rsplit("/", 1)[-1]},
        "stageVariables": None,
        "requestContext": {"resourcePath": "/echo/{name}", "httpMethod": "GET", "path": path},
        "body": None,
        "isBase64Encoded": False,
    }


def _echo_app(started: threading.Barrier) -> Chalice:
    app = Chalice(app_name="echo")

    @app.route("/echo/{name}")
    def echo(name: str) -> dict[str, str | None]:
        started.wait(timeout=10)  # every request is in flight before any reads its request back
        request = app.current_request
        assert request is not None
        return {"name": name, "param": request.uri_params["name"], "caller": request.headers.get("x-caller")}

    return app


def test_a_chalice_apps_request_is_per_thread_so_concurrent_requests_never_see_each_others() -> None:
    # Given a Chalice app whose route reads `app.current_request` after every request has arrived
    app = _echo_app(threading.Barrier(8))
    per_thread_requests(app)
    per_thread_requests(app)  # idempotent: one subclass, not one per call
    assert type(app).__mro__[1] is Chalice
    # When eight requests of eight callers run at once in the one app
    names = [f"seller{i}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: app(_event(f"/echo/{n}"), None), names))
    # Then each answer is its own request's, never another caller's
    bodies = [json.loads(a["body"]) for a in answers]
    assert [b["name"] for b in bodies] == names
    assert [b["param"] for b in bodies] == names
    assert [b["caller"] for b in bodies] == names


def test_without_the_swap_the_shared_request_would_leak_across_requests() -> None:
    # The hazard the swap removes (why the gateway needs it): Chalice keeps one request per app
    app = _echo_app(threading.Barrier(4))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda n: app(_event(f"/echo/{n}"), None), ["a", "b", "c", "d"]))
    callers = {json.loads(a["body"])["caller"] for a in answers}
    assert len(callers) < 4  # every request read back the last one to arrive


@pytest.mark.filterwarnings("ignore:No application metrics")
def test_concurrent_invocations_lose_no_metric_and_a_flush_never_meets_an_add(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sellerflow.observability import metrics

    # Given metrics printed as in AWS, and the local runtime's lock around the shared metric set
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    metrics.clear_metrics()
    serialize_metrics()
    serialize_metrics()  # idempotent

    # When 8 invocations each add 200 counts of 20 names and flush, all at once
    def invocation(worker: int) -> None:
        for i in range(200):
            metrics.add_metric(name=f"LocalConcurrency{(worker * 7 + i) % 20}", unit="Count", value=1)
            if i % 25 == 0:
                metrics.flush_metrics()
        metrics.flush_metrics()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(invocation, range(8)))  # a RuntimeError (set changed during a flush) raises here
    metrics.flush_metrics()
    # Then every count was published exactly once
    published = 0
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for name, value in blob.items():
            if name.startswith("LocalConcurrency"):
                published += sum(value) if isinstance(value, list) else value
    assert published == 8 * 200


def test_the_loggers_invocation_keys_are_per_thread() -> None:
    from sellerflow.observability import logger

    per_thread_log_keys()
    seen: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def invocation(request_id: str) -> None:
        logger.append_keys(function_request_id=request_id)  # what inject_lambda_context does
        barrier.wait(timeout=10)
        seen[request_id] = logger.thread_safe_get_current_keys().get("function_request_id")

    threads = [threading.Thread(target=invocation, args=(r,)) for r in ("req-1", "req-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"req-1": "req-1", "req-2": "req-2"}
    assert "function_request_id" not in logger.get_current_keys()  # nothing left in the shared keys


def test_environments_run_up_to_n_at_once_and_the_first_alone() -> None:
    environments = Environments(3)
    order: list[str] = []
    lock = threading.Lock()

    def invocation(index: int) -> None:
        with environments.slot() as wanted:
            assert wanted
            with lock:
                order.append(f"start{environments.busy}")
            time.sleep(0.05)

    first = threading.Thread(target=invocation, args=(0,))
    first.start()
    time.sleep(0.01)  # the first request is running (its init) when the others arrive
    with ThreadPoolExecutor(max_workers=9) as pool:
        list(pool.map(invocation, range(1, 10)))
    first.join()
    assert order[0] == "start1"
    assert environments.busiest == 3
    assert environments.busy == 0


def test_a_queued_invocation_whose_caller_left_is_not_run() -> None:
    environments = Environments(1)
    with environments.slot() as wanted:
        assert wanted
    with environments.slot(lambda: False) as wanted:
        assert not wanted
    assert environments.busiest == 1


def test_the_environment_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SELLERFLOW_LOCAL_ENVIRONMENTS", raising=False)
    assert configured_environments() == 4
    monkeypatch.setenv("SELLERFLOW_LOCAL_ENVIRONMENTS", "1")
    assert configured_environments() == 1
    monkeypatch.setenv("SELLERFLOW_LOCAL_ENVIRONMENTS", "0")
    with pytest.raises(ValueError, match="SELLERFLOW_LOCAL_ENVIRONMENTS"):
        configured_environments()
    with pytest.raises(ValueError, match="at least one"):
        Environments(0)
