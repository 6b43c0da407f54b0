"""Compressing the waits of moto's Step Functions interpreter (Retry intervals, Wait states).

A local run should show the real workflow, backoff included, without the real minutes. Only the
interpreter's own clock is scaled; handlers and the simulator keep real time.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

_state: dict[str, Any] = {}


def compress_step_functions_time(factor: float) -> None:
    """Divide every Retry interval and Wait state duration by `factor` (1 = real time)."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    # moto's interpreter has no clock to inject: its module's `time` and the Wait state's private
    # `_wait_interval` are swapped here, and put back by restore_step_functions_time.
    if "retrier_time" not in _state:
        _state["retrier_time"] = retrier_decl.time  # type: ignore[attr-defined]
        _state["wait_interval"] = wait_function.WaitFunction._wait_interval  # noqa: SLF001
    real_sleep = time.sleep
    retrier_decl.time = SimpleNamespace(  # type: ignore[attr-defined,assignment]
        sleep=lambda seconds: real_sleep(max(0.0, seconds) / factor),
        time=time.time,
        monotonic=time.monotonic,
    )
    original_wait = _state["wait_interval"]

    def _wait_interval(_self: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds / factor)

    wait_interval = _wait_interval if factor != 1 else original_wait
    wait_function.WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign,assignment]  # noqa: SLF001


def restore_step_functions_time() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    if "retrier_time" in _state:
        retrier_decl.time = _state["retrier_time"]  # type: ignore[attr-defined]
        wait_function.WaitFunction._wait_interval = _state["wait_interval"]  # type: ignore[method-assign]  # noqa: SLF001
