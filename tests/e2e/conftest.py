"""The whole local stack (moto + simulator + template resources + workflows + API), per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sellerflow_dev.local.stack import LocalStack, LocalStackConfig


@pytest.fixture
def local_stack() -> Iterator[Callable[..., LocalStack]]:
    """Start a stack with the given config overrides; every stack started is stopped afterwards."""
    started: list[LocalStack] = []

    def start(**overrides: Any) -> LocalStack:
        config = LocalStackConfig(**{"sellers": 3, "seed": 11, "time_scale": 100.0, **overrides})
        stack = LocalStack(config).start()
        started.append(stack)
        stack.connect_demo_sellers()
        return stack

    yield start
    for stack in started:
        stack.stop()
