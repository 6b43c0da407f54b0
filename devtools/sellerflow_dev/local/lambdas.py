"""Running the template's Lambda functions in-process behind moto.

Without Docker, moto's Lambda cannot run code. Every invoke path in moto (the Invoke API, Step
Functions' lambda:invoke, event sources) passes through `LambdaFunction._invoke_lambda`; the local
runtime replaces that one method with a dispatcher that imports the function's own handler from its
CodeUri folder and calls it with the event and a Lambda-like context. A test pins moto and checks
that this hook still exists with the same contract.

Lambda runs one invocation per environment at a time; here every invocation of a function shares its
one imported module, and invocations run concurrently (the local gateway runs up to N requests of a
function at once, as N environments; Step Functions and the queue pollers call from their own
threads). What a handler keeps per invocation in process state is therefore made per thread here,
in the local runtime only (production code never sees two invocations at once):

- a Chalice app's `current_request` and `lambda_context` (instance attributes in Chalice): the app's
  class is swapped for a subclass whose two attributes live in a `threading.local`
  (`per_thread_requests`), so a request never sees another's (another seller's) request;
- Powertools Metrics' metric set (one dict for the process): its operations run under one lock
  (`serialize_metrics`), so a flush never iterates a set another invocation is adding to;
- Powertools Logger's keys that `inject_lambda_context` appends (the request id, cold start): kept
  per thread (`thread_safe_append_keys`), so a log line names its own invocation.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sellerflow_dev.local.provision import FunctionSpec

HandlerFn = Callable[[Any, Any], Any]
# What Lambda reports when the runtime process exits mid-invocation (sys.exit, a crash, killed).
RUNTIME_EXIT = "Runtime.ExitError"


@dataclass
class LocalLambdaContext:
    """What Powertools and our handlers read from the Lambda context."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self._started)) * 1000))


@dataclass
class Invocation:
    function_name: str
    error_type: str | None
    duration_s: float


class LambdaDispatcher:
    def __init__(self, functions: dict[str, FunctionSpec]) -> None:
        self._by_name = {spec.name: spec for spec in functions.values()}
        self._handlers: dict[str, HandlerFn] = {}
        self._lock = threading.Lock()
        self.invocations: list[Invocation] = []
        self._original: Any = None

    def handler(self, function_name: str) -> HandlerFn:
        with self._lock:
            if function_name not in self._handlers:
                spec = self._by_name[function_name]
                module_file, _, attribute = spec.handler.rpartition(".")
                module = _load_module(f"sellerflow_fn_{spec.logical_id}", spec.code_dir / f"{module_file}.py")
                handler = getattr(module, attribute)
                per_thread_requests(handler)
                self._handlers[function_name] = handler
            return self._handlers[function_name]

    def invoke(self, function_name: str, event: Any) -> tuple[str, bool]:
        spec = self._by_name.get(function_name)
        if spec is None:
            missing = {
                "errorType": "ResourceNotFoundException",
                "errorMessage": f"no function {function_name}",
            }
            return json.dumps(missing), True
        if isinstance(event, str | bytes):
            event = json.loads(event or "{}")
        context = LocalLambdaContext(
            function_name=spec.name,
            memory_limit_in_mb=spec.memory_mb,
            invoked_function_arn=spec.arn,
            timeout_s=spec.timeout_s,
            log_group_name=f"/aws/lambda/{spec.name}",
        )
        started = time.monotonic()
        try:
            result = self.handler(function_name)(event, context)
        except Exception as exc:
            # The shape Lambda gives an unhandled error; Step Functions matches on errorType.
            self.invocations.append(Invocation(function_name, type(exc).__name__, time.monotonic() - started))
            payload: dict[str, object] = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_tb(exc.__traceback__)[-3:],
            }
            return json.dumps(payload), True
        except SystemExit as exc:
            # The runtime process went away mid-invocation (exit, crash): Lambda reports it as a
            # Runtime.ExitError, and Step Functions matches on that errorType (the tasks retry it).
            self.invocations.append(Invocation(function_name, RUNTIME_EXIT, time.monotonic() - started))
            died = {
                "errorType": RUNTIME_EXIT,
                "errorMessage": f"RequestId: {context.aws_request_id} Error: Runtime exited with error: "
                f"exit status {exc.code if isinstance(exc.code, int) else 1}",
            }
            return json.dumps(died), True
        finally:
            _forget_unflushed_metrics()
        self.invocations.append(Invocation(function_name, None, time.monotonic() - started))
        return json.dumps(result, default=str), False

    # --- the moto hook ---------------------------------------------------------------------------
    def install(self) -> None:
        from moto.awslambda.models import LambdaFunction

        dispatcher = self
        serialize_metrics()
        per_thread_log_keys()
        # moto runs a Lambda in Docker here; it has no public seam to run the handler in-process.
        self._original = LambdaFunction._invoke_lambda  # noqa: SLF001

        def _invoke_lambda(fn: Any, event: Any = None) -> tuple[str, bool, str]:
            body, errored = dispatcher.invoke(fn.function_name, event if event is not None else {})
            return body, errored, ""

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign,assignment]  # noqa: SLF001

    def uninstall(self) -> None:
        if self._original is not None:
            from moto.awslambda.models import LambdaFunction

            LambdaFunction._invoke_lambda = self._original  # type: ignore[method-assign]  # noqa: SLF001
            self._original = None


_PER_THREAD = "_sellerflow_per_thread"
_METRICS_LOCK = threading.RLock()
_METRICS_OPERATIONS = (
    "add_metric",
    "add_dimension",
    "add_metadata",
    "serialize_metric_set",
    "flush_metrics",
    "clear_metrics",
)


def per_thread_requests(handler: Any) -> None:
    """A Chalice app's request and Lambda context, per thread (idempotent; other handlers untouched).

    Chalice sets `app.current_request` and `app.lambda_context` on the app object in `__call__`, and
    the routes (and the blueprints, through their app) read them back. The subclass's properties keep
    them in a `threading.local`, so concurrent invocations of the one app each read their own."""
    from chalice.app import Chalice

    if not isinstance(handler, Chalice) or getattr(type(handler), _PER_THREAD, False):
        return
    base = type(handler)
    state = threading.local()

    def per_thread(name: str) -> property:
        def get(_app: Any) -> Any:
            return getattr(state, name, None)

        def put(_app: Any, value: Any) -> None:
            setattr(state, name, value)

        return property(get, put)

    namespace = {
        "current_request": per_thread("current_request"),
        "lambda_context": per_thread("lambda_context"),
        _PER_THREAD: True,
        "__module__": __name__,
    }
    handler.__dict__.pop("current_request", None)
    handler.__dict__.pop("lambda_context", None)
    handler.__class__ = type(f"PerThread{base.__name__}", (base,), namespace)


def serialize_metrics() -> None:
    """Powertools Metrics keeps one metric set per process: run its operations under one lock, so a
    flush (which iterates the set) never meets another invocation's `add_metric` (idempotent)."""
    from sellerflow.observability import metrics

    provider = metrics.provider
    for name in _METRICS_OPERATIONS:
        original = getattr(provider, name)
        if getattr(original, _PER_THREAD, False):
            continue
        setattr(provider, name, _under_metrics_lock(original))


def _under_metrics_lock(operation: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _METRICS_LOCK:
            return operation(*args, **kwargs)

    setattr(locked, _PER_THREAD, True)
    return locked


def per_thread_log_keys() -> None:
    """`Logger.inject_lambda_context` appends the invocation's keys (request id, cold start) to the
    formatter every log line shares: here they go to the formatter's per-thread keys instead."""
    from sellerflow.observability import logger

    if getattr(logger.append_keys, _PER_THREAD, False):
        return

    def append_keys(**keys: object) -> None:
        logger.thread_safe_append_keys(**keys)

    setattr(append_keys, _PER_THREAD, True)
    logger.append_keys = append_keys  # type: ignore[method-assign]


def _forget_unflushed_metrics() -> None:
    """With metrics disabled locally Powertools never clears its metric set, and the functions of
    this process share it; forget each invocation's metrics so they cannot pile up and auto-flush."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() == "true":
        from sellerflow.observability import metrics

        metrics.clear_metrics()


def _load_module(name: str, path: Any) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
