"""Work moto and botocore repeat for every request of the local stack, done once (local runtime only).

The local stack sends every AWS call of every function through one in-process moto server, one
thread per request. Per request moto finds the backend (a listing of its package folder, then every
service's URL patterns, under one process-wide lock), its Step Functions interpreter builds a Lambda
client per task and parses every JSONPath again, and each new thread's botocore session re-reads the
service models from disk. None of it changes while the process runs, so each is computed once
(process-wide, idempotent: a patched function carries `_MARK`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_MARK = "_sellerflow_memoized"


def _memoized_by_argument(method: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """`method(self, argument)` computed once per argument, whatever the instance."""
    known: dict[Any, Any] = {}
    lock = threading.Lock()

    @functools.wraps(method)
    def memoized(self: Any, argument: Any) -> Any:
        with lock:
            if argument in known:
                return known[argument]
        value = method(self, argument)
        with lock:
            known[argument] = value
        return value

    setattr(memoized, _MARK, True)
    return memoized


def memoize_moto_dispatch() -> None:
    """A host maps to the same backend for the life of the process."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    if not getattr(original, _MARK, False):
        DomainDispatcherApplication.get_backend_for_host = _memoized_by_argument(original)  # type: ignore[method-assign,assignment]


def reuse_task_lambda_clients() -> None:
    """moto's Step Functions interpreter builds a new boto3 Lambda client for every Task that invokes
    a function (~10 % of a sync's CPU in the local stack); a Lambda service integration in AWS has no
    such cost. One client per region and moto port is reused (boto3 clients are thread-safe; moto's
    factory ignores a Task's credentials too)."""
    import os

    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    original = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009 - not re-exported
    if getattr(original, _MARK, False):
        return
    clients: dict[tuple[str, str, str | None], Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service, os.environ.get("MOTO_PORT"))
        with lock:
            client = clients.get(key)
            if client is None:
                client = clients[key] = original(
                    region=region, service=service, state_credentials=state_credentials
                )
        return client

    setattr(boto_client_for, _MARK, True)
    setattr(lambda_eval_utils, "boto_client_for", boto_client_for)  # noqa: B010


def memoize_json_paths() -> None:
    """moto's Step Functions interpreter parses a JSONPath (building jsonpath-ng's parser tables)
    every time a state reads one; a path's parse never changes, so each is parsed once."""
    from moto.stepfunctions.parser.asl.utils import json_path

    original = getattr(json_path, "parse")  # noqa: B009 - jsonpath-ng's, not re-exported
    if getattr(original, _MARK, False):
        return
    parse = functools.lru_cache(maxsize=4096)(original)
    setattr(parse, _MARK, True)
    setattr(json_path, "parse", parse)  # noqa: B010


def share_botocore_models() -> None:
    """PynamoDB keeps a botocore session per thread, and each new session re-reads botocore's service
    models and endpoint rules from disk (~65 ms of JSON a client). A Lambda container keeps its thread,
    so this is the local runtime's cost only: each file is read once per process and the parsed data
    shared (botocore does not change it)."""
    from botocore import loaders

    original = loaders.JSONFileLoader.load_file
    if not getattr(original, _MARK, False):
        loaders.JSONFileLoader.load_file = _memoized_by_argument(original)  # type: ignore[method-assign,assignment]
