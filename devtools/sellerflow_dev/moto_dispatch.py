"""Make the moto server find a request's backend once per host, not once per request.

The local stack sends every AWS call of every function through one in-process moto server. For each
request moto's dispatcher lists its package folder (`list_of_moto_modules`: a directory listing and a
stat per service) and then matches the host against every service's URL patterns, all under one
process-wide lock: with a workflow's Map branches calling at once, requests queue on that lock. The
folder does not change while the process runs and a host always maps to the same backend, so both are
computed once (process-wide, idempotent)."""

from __future__ import annotations

import functools
import threading
from typing import Any

_MARK = "_sellerflow_memoized"


def memoize_moto_dispatch() -> None:
    from moto import backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if not getattr(backends.list_of_moto_modules, _MARK, False):
        modules = tuple(backends.list_of_moto_modules())

        def list_of_moto_modules() -> tuple[str, ...]:
            return modules

        setattr(list_of_moto_modules, _MARK, True)
        backends.list_of_moto_modules = list_of_moto_modules

    original = DomainDispatcherApplication.get_backend_for_host
    if getattr(original, _MARK, False):
        return
    known: dict[str | None, Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def get_backend_for_host(self: Any, host: str | None) -> Any:
        try:
            return known[host]
        except KeyError:
            pass
        backend = original(self, host)
        with lock:
            known[host] = backend
        return backend

    setattr(get_backend_for_host, _MARK, True)
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


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
    """Every thread of the local stack is a new request, and PynamoDB keeps a botocore session per
    thread: each new session re-reads botocore's service models and endpoint rules from disk (~65 ms
    of JSON a client). A Lambda container keeps its thread, so this is the local runtime's cost only;
    the files are read once per process and the parsed data shared (botocore does not change it)."""
    from botocore import loaders

    original = loaders.JSONFileLoader.load_file
    if getattr(original, _MARK, False):
        return
    loaded: dict[str, Any] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def load_file(self: Any, file_path: str) -> Any:
        with lock:
            if file_path in loaded:
                return loaded[file_path]
        data = original(self, file_path)
        with lock:
            loaded[file_path] = data
        return data

    setattr(load_file, _MARK, True)
    loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
