"""Unit tests are pure: no sockets (pytest-socket), no AWS, no simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import pytest_socket

# The X-Ray SDK (behind Powertools' Tracer) creates its UDP emitter's socket object when first
# imported; import it here, before sockets are blocked, so importing a handler in a test works.
import sellerflow.observability  # noqa: F401


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()
