"""The simulator's knobs (`SimConfig`) and the fault injector that applies them to API calls.

Faults are decided after authentication and rate limiting, so a faulted call has used a token,
as it would at Amazon. Random faults come from an RNG seeded from the world's seed; scripted
faults (`fail_calls`) fail exactly the Nth call of an operation, counted across sellers from the
moment `fail_calls` was last set, so a test can make page 2 of a sync fail exactly once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SimConfig(BaseModel):
    """Everything about the simulator's behaviour that can change at runtime (`POST /_sim/config`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_ttl_s: int = Field(default=3600, ge=1, description="Lifetime of LWA access tokens.")
    rate_scale: float = Field(default=1.0, gt=0, description="Multiplies every usage plan's rate.")
    burst_override: int | None = Field(default=None, ge=1, description="Replaces every plan's burst.")
    fault_rate_500: float = Field(default=0.0, ge=0, le=1, description="Probability of a 500 per call.")
    fault_rate_503: float = Field(default=0.0, ge=0, le=1, description="Probability of a 503 per call.")
    slow_ms: int = Field(default=0, ge=0, description="Delay added to a slowed call.")
    slow_rate: float = Field(default=0.0, ge=0, le=1, description="Probability that a call is slowed.")
    hang_s: float = Field(default=0.0, ge=0, description="How long a hung call waits before it answers.")
    hang_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Probability that a call hangs `hang_s` (set it past the client's timeout: the client "
        "gives up, and the operation still happens afterwards, as when an answer is lost on the way).",
    )
    hang_calls: list[tuple[str, int]] = Field(
        default_factory=list,
        description="(operation, Nth call): that call hangs `hang_s`, counted as fail_calls.",
    )
    fail_calls: list[tuple[str, int, int]] = Field(
        default_factory=list, description="(operation, Nth call, HTTP status): fail exactly that call."
    )
    verbose: bool = Field(default=False, description="Log one line per request on stderr.")
    # Reports 2021-06-30
    report_processing_s: float = Field(
        default=2.0,
        ge=0,
        description="Seconds from createReport to a final status (a quarter IN_QUEUE, then IN_PROGRESS); "
        "a huge value makes reports never finish.",
    )
    report_outcomes: dict[str, Literal["DONE", "FATAL", "CANCELLED"]] = Field(
        default_factory=dict, description="reportType -> forced final status of reports created from now on."
    )
    document_url_ttl_s: float = Field(
        default=300, gt=0, description="Lifetime of a getReportDocument URL (Amazon: 5 minutes)."
    )
    expire_first_document_urls: bool = Field(
        default=False,
        description="The first URL issued for each document has already expired (the client must ask again).",
    )
    truncate_documents: bool = Field(
        default=False, description="Serve only the first half of every document's bytes (a broken gzip)."
    )
    document_fault_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Probability that one download of a report document is damaged: cut short, or with "
        "corrupt bytes in the middle (a gzip whose inflate or CRC check fails); the next download may be whole.",
    )
    lwa_fault_rate: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Probability that the LWA token endpoint answers 503 (an outage).",
    )
    # Data Kiosk 2023-11-15
    data_kiosk_processing_s: float = Field(
        default=3.0,
        ge=0,
        description="Seconds from createQuery to a final status (a quarter IN_QUEUE, then IN_PROGRESS).",
    )
    data_kiosk_fatal_rate: float = Field(
        default=0.0, ge=0, le=1, description="Probability that a query ends FATAL (with an error document)."
    )
    # Application-wide quotas (across every seller of the simulator, on the simulated clock)
    app_quotas_enforced: bool = Field(
        default=True, description="Enforce GET_SALES_AND_TRAFFIC_REPORT's 1 per 15 min / 96 per day per app."
    )
    # Amazon Ads v3 reporting
    ads_report_processing_s: float | None = Field(
        default=None,
        ge=0,
        description="Seconds from an Ads createReport to COMPLETED (None: report_processing_s).",
    )
    ads_hold_pending: bool = Field(
        default=False,
        description="Ads reports created while this is set stay PENDING until it is cleared (polling cap, resume).",
    )
    ads_report_outcome: Literal["COMPLETED", "FAILED"] | None = Field(
        default=None, description="Forced final status of Ads reports created from now on."
    )
    ads_url_ttl_s: float = Field(default=3600, gt=0, description="Lifetime of an Ads report download URL.")
    # Amazon Shipping API v2 (labels) and Orders v0 confirmShipment
    label_rate_ttl_s: float = Field(
        default=600, gt=0, description="Lifetime of a getRates requestToken; purchasing later is a 400."
    )
    label_void_window_s: float = Field(
        default=86400, gt=0, description="Seconds after a purchase during which cancelShipment is accepted."
    )
    label_undeliverable_orders: list[str] = Field(
        default_factory=list, description="Orders whose ship-to address no service delivers to (NO_COVERAGE)."
    )
    label_charge_without_document: list[str] = Field(
        default_factory=list,
        description="Orders whose label purchase is charged and then answered 500 (no document), as is every "
        "repeat while listed.",
    )
    # Finances 2024-06-19 and FBA inventory
    transactions_page_size: int = Field(default=100, ge=1, le=500, description="listTransactions page size.")
    inventory_page_size: int = Field(default=50, ge=1, le=500, description="getInventorySummaries page size.")

    def merged(self, updates: dict[str, Any]) -> SimConfig:
        """A new config with `updates` applied; raises pydantic.ValidationError on bad fields."""
        return SimConfig.model_validate({**self.model_dump(), **updates})


@dataclass(frozen=True)
class FaultDecision:
    status: int | None  # an HTTP status to answer instead of the real response, or None
    delay_s: float = 0.0


_FAULT_MESSAGES: dict[int, tuple[str, str]] = {
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
    429: ("QuotaExceeded", "You exceeded your quota for the requested resource."),
}


def fault_error(status: int) -> dict[str, Any]:
    """The SP-API error body for an injected fault of `status`."""
    code, message = _FAULT_MESSAGES.get(status, ("InternalFailure", f"Injected failure ({status})."))
    return {"errors": [{"code": code, "message": message}]}


class FaultInjector:
    """Decides, call by call, whether the simulator misbehaves."""

    def __init__(self, seed: int, config: SimConfig) -> None:
        self._rng = random.Random(f"{seed}:faults")
        self._config = config
        self._calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.hangs = 0  # calls made to hang (`hang_rate`)

    def reconfigure(self, config: SimConfig) -> None:
        with self._lock:
            if (config.fail_calls, config.hang_calls) != (self._config.fail_calls, self._config.hang_calls):
                self._calls.clear()
            self._config = config

    def decide(self, operation: str) -> FaultDecision:
        with self._lock:
            self._calls[operation] += 1
            nth = self._calls[operation]
            config = self._config
            delay_s = config.slow_ms / 1000 if self._rng.random() < config.slow_rate else 0.0
            hung = (operation, nth) in config.hang_calls
            if hung or (config.hang_rate and self._rng.random() < config.hang_rate):  # no draw when off
                delay_s += config.hang_s
                self.hangs += 1
            for failing_operation, failing_n, status in config.fail_calls:
                if failing_operation == operation and failing_n == nth:
                    return FaultDecision(status, delay_s)
            roll = self._rng.random()
            if roll < config.fault_rate_500:
                return FaultDecision(500, delay_s)
            if roll < config.fault_rate_500 + config.fault_rate_503:
                return FaultDecision(503, delay_s)
            return FaultDecision(None, delay_s)


def damage(content: bytes, rng: random.Random) -> bytes:
    """A document as a faulty transfer may deliver it: cut short, or with bytes flipped mid-stream."""
    if len(content) < 4 or rng.random() < 0.5:
        return content[: max(1, len(content) // 2)]
    middle = len(content) // 2
    flipped = bytes(b ^ 0xFF for b in content[middle : middle + 8])
    return content[:middle] + flipped + content[middle + 8 :]


class RandomFaults:
    """Seeded coin flips for faults that are not per API call (LWA outages, damaged documents)."""

    def __init__(self, seed: int, kind: str) -> None:
        self.rng = random.Random(f"{seed}:{kind}")
        self._lock = threading.Lock()

    def strikes(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self.rng.random() < rate

    def damaged(self, content: bytes, rate: float) -> bytes:
        if not self.strikes(rate):
            return content
        with self._lock:
            return damage(content, self.rng)
