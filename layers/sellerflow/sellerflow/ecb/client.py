"""Fetch the ECB's euro foreign exchange reference rates files.

In AWS the base is https://www.ecb.europa.eu/stats/eurofxref/ (public, no credentials); locally the
simulator serves the same files from a recorded table (`sellerflow_dev.simulator.fx`), so the same
parser (`sellerflow.analytics.fx.parse_ecb`) reads both.
"""

from __future__ import annotations

import httpx

from sellerflow.errors import SellerflowError

MAX_BYTES = 8 * 1024 * 1024  # the whole-history file is ~6 MB uncompressed


class RatesUnavailable(SellerflowError):
    """The ECB's file could not be fetched (the next scheduled run tries again)."""


class EcbRates:
    """`sellerflow.analytics.fx.RatesSource` over HTTPS."""

    def __init__(self, base_url: str, *, timeout_s: float = 20.0) -> None:
        self._base = base_url.rstrip("/") + "/"
        self._timeout = timeout_s

    def fetch(self, name: str) -> bytes:
        try:
            response = httpx.get(self._base + name, timeout=self._timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise RatesUnavailable(f"{name}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise RatesUnavailable(f"{name}: HTTP {response.status_code}")
        if len(response.content) > MAX_BYTES:
            raise RatesUnavailable(f"{name}: larger than {MAX_BYTES} bytes")
        return response.content
