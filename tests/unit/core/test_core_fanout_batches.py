"""The fanout in batches: the due list's batches, a batch's sellers started one by one each in its own
try, a throttled start retried with the batch without starting the others twice, a batch short of
time handing the rest to its retry, and results that stay small."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerflow.domain import SellerProfile, SellerStatus, SyncRoute, SyncState
from sellerflow.errors import SellerNotFound, StartBatchOutOfTime, WorkflowStartThrottled
from sellerflow.sync.fanout import (
    BATCH_TIME_RESERVE_S,
    due_batches,
    execution_name,
    start_seller_syncs,
)
from sellerflow.sync.models import (
    MAX_FANOUT_BATCH,
    DueSeller,
    StartSellerSyncBatchInput,
    StartSellerSyncBatchOutput,
)

WINDOW = "20261205T1000"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
A, B, C, D = "A1BATCHSELL01", "B2BATCHSELL02", "C3BATCHSELL03", "D4BATCHSELL04"


def _due(count: int) -> list[DueSeller]:
    return [DueSeller(seller_id=f"A{n:011d}") for n in range(count)]


@pytest.mark.parametrize(
    ("sellers", "size", "sizes"),
    [
        (0, 50, []),  # nobody due: no batch, no child
        (1, 50, [1]),
        (100, 50, [50, 50]),  # an exact multiple
        (101, 50, [50, 50, 1]),  # the remainder in a last, smaller batch
        (3, 1, [1, 1, 1]),  # one seller a child, as before the batches
    ],
)
def test_the_due_sellers_are_cut_into_batches_in_order(sellers: int, size: int, sizes: list[int]) -> None:
    due = _due(sellers)
    batches = due_batches(due, size)
    assert [len(batch.sellers) for batch in batches] == sizes
    assert [s for batch in batches for s in batch.sellers] == [s.seller_id for s in due]


@given(
    sellers=st.integers(min_value=0, max_value=700), size=st.integers(min_value=1, max_value=MAX_FANOUT_BATCH)
)
def test_every_due_seller_is_in_exactly_one_batch_and_only_the_last_is_short(sellers: int, size: int) -> None:
    batches = due_batches(_due(sellers), size)
    assert sum(len(batch.sellers) for batch in batches) == sellers
    assert len(batches) == -(-sellers // size)
    assert all(len(batch.sellers) == size for batch in batches[:-1])
    assert all(1 <= len(batch.sellers) <= size for batch in batches)


def test_a_batch_holds_at_least_one_seller() -> None:
    with pytest.raises(ValueError, match="at least one seller"):
        due_batches(_due(3), 0)


# --- a batch's starts ------------------------------------------------------------------------------


class FakeStarter:
    """A machine's starts; `throttle` names are refused once (ThrottlingException), `broken` always."""

    def __init__(self, *, dedupes: bool, throttle: Iterable[str] = (), broken: Iterable[str] = ()) -> None:
        self.dedupes = dedupes
        self.throttle, self.broken = set(throttle), set(broken)
        self.started: list[str] = []
        self.calls: list[str] = []

    def start(self, *, name: str, payload: str) -> bool:
        self.calls.append(name)
        if name in self.broken:
            raise RuntimeError("AccessDeniedException")
        if name in self.throttle:
            self.throttle.discard(name)
            raise WorkflowStartThrottled(f"StartExecution throttled for {name}")
        if self.dedupes and name in self.started:
            return False
        self.started.append(name)
        return True


class FakeRoutes:
    """Every seller's sync state with the store's claim rule (a window later than the claimed one);
    `failing` sellers' state cannot be read, `statuses` overrides a seller's (None: erased)."""

    def __init__(
        self, *, failing: Iterable[str] = (), statuses: dict[str, SellerStatus | None] | None = None
    ) -> None:
        self.claimed: dict[str, str | None] = {}
        self.failing = set(failing)
        self.statuses = statuses or {}

    def _status(self, seller_id: str) -> SellerStatus | None:
        return self.statuses.get(seller_id, SellerStatus.ACTIVE)

    def get_profile(self, seller_id: str) -> SellerProfile:
        status = self._status(seller_id)
        if status is None:
            raise SellerNotFound(seller_id)
        return SellerProfile(seller_id=seller_id, name="x", status=status, marketplace_ids=("M",))

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        if seller_id in self.failing:
            raise ConnectionError("the sellers table did not answer")
        return SyncState(seller_id=seller_id, watermark=NOW - timedelta(hours=1))

    def sync_route(self, seller_id: str) -> SyncRoute:
        return SyncRoute(
            seller_id=seller_id,
            claimed_window=self.claimed.get(seller_id),
            reports_run_at=NOW - timedelta(hours=1),  # an hourly Express start
        )

    def claim_window(self, seller_id: str, window: str) -> bool:
        if self._status(seller_id) is not SellerStatus.ACTIVE:
            return False
        held = self.claimed.get(seller_id)
        if held is not None and held >= window:
            return False
        self.claimed[seller_id] = window
        return True

    def release_window(self, seller_id: str, window: str, *, previous: str | None) -> None:
        if self.claimed.get(seller_id) == window:
            self.claimed[seller_id] = previous


def _plenty() -> float:
    return 60.0


def _batch(*sellers: str) -> StartSellerSyncBatchInput:
    return StartSellerSyncBatchInput(sellers=list(sellers), window=WINDOW)


def _names(*sellers: str) -> list[str]:
    return [execution_name(s, WINDOW) for s in sellers]


def _run(
    batch: StartSellerSyncBatchInput,
    hourly: FakeStarter,
    routes: FakeRoutes,
    time_left_s: Callable[[], float] = _plenty,
) -> StartSellerSyncBatchOutput:
    """The batch's function, with a Standard machine that nobody here is routed to."""
    return start_seller_syncs(
        batch, starter=FakeStarter(dedupes=True), hourly=hourly, routes=routes, time_left_s=time_left_s
    )


def test_a_batch_starts_each_seller_once_and_reports_each_outcome() -> None:
    # Given a batch of an active seller, an erased one and one already started this window
    routes = FakeRoutes(statuses={B: None})
    routes.claimed[C] = WINDOW
    standard, hourly = FakeStarter(dedupes=True), FakeStarter(dedupes=False)
    # When the batch runs
    out = start_seller_syncs(
        _batch(A, B, C), starter=standard, hourly=hourly, routes=routes, time_left_s=_plenty
    )
    # Then only the active seller not yet started is started, on the hourly machine
    assert hourly.started == _names(A)
    assert not standard.started
    assert [(o.seller_id, o.status) for o in out.sellers] == [
        (A, "started"),
        (B, "not_active"),
        (C, "already_running"),
    ]
    assert (out.started, out.not_active, out.already_running, out.not_started) == (1, 1, 1, 0)


def test_one_seller_that_cannot_be_started_never_stops_the_others() -> None:
    # Given a batch whose second seller's state cannot be read and whose third seller's start is refused
    routes = FakeRoutes(failing={B})
    hourly = FakeStarter(dedupes=False, broken=set(_names(C)))
    # When the batch runs
    out = _run(_batch(A, B, C, D), hourly, routes)
    # Then the others are started, the two are not_started with their error's class (no message)
    assert hourly.started == _names(A, D)
    assert [(o.seller_id, o.status, o.error) for o in out.sellers] == [
        (A, "started", None),
        (B, "not_started", "ConnectionError"),
        (C, "not_started", "RuntimeError"),
        (D, "started", None),
    ]
    assert out.not_started == 2
    # And the refused start gave its claim back: the next tick of this window may start it
    assert routes.claimed[C] is None


def test_a_throttled_seller_is_started_by_the_batchs_retry_and_the_others_are_not_started_twice() -> None:
    # Given a batch of four whose second seller's start Step Functions throttles once
    routes = FakeRoutes()
    hourly = FakeStarter(dedupes=False, throttle=set(_names(B)))  # Express would start a second run
    batch = _batch(A, B, C, D)
    # When the batch runs: the others are started first, then the throttle is raised for the Retry
    with pytest.raises(WorkflowStartThrottled, match="1 of 4 sellers"):
        _run(batch, hourly, routes)
    assert hourly.started == _names(A, C, D)
    assert routes.claimed[B] is None  # its claim given back
    # And when the map's Retry runs the same batch again
    out = _run(batch, hourly, routes)
    # Then only the throttled seller starts; the others find their window claimed
    assert hourly.started == _names(A, C, D, B)
    assert hourly.calls.count(execution_name(A, WINDOW)) == 1
    assert [(o.seller_id, o.status) for o in out.sellers] == [
        (A, "already_running"),
        (B, "started"),
        (C, "already_running"),
        (D, "already_running"),
    ]


def test_a_batch_short_of_time_leaves_the_rest_to_its_retry() -> None:
    # Given a Lambda whose time runs below the reserve after two starts
    left: Iterator[float] = iter([50.0, 30.0, BATCH_TIME_RESERVE_S - 1])
    routes, hourly = FakeRoutes(), FakeStarter(dedupes=False)
    with pytest.raises(StartBatchOutOfTime, match="2 of 4 sellers"):
        _run(_batch(A, B, C, D), hourly, routes, time_left_s=lambda: next(left))
    assert hourly.started == _names(A, B)
    # When the Retry runs the batch with time enough, the two others start, A and B are no-ops
    out = _run(_batch(A, B, C, D), hourly, routes)
    assert hourly.started == _names(A, B, C, D)
    assert (out.started, out.already_running) == (2, 2)


def test_the_largest_batchs_result_stays_a_few_kilobytes() -> None:
    # Every seller not started, with an error class: the longest result a batch can give
    ids = [f"A{n:019d}" for n in range(MAX_FANOUT_BATCH)]
    out = _run(
        StartSellerSyncBatchInput(sellers=ids, window=WINDOW),
        FakeStarter(dedupes=False),
        FakeRoutes(failing=ids),
    )
    assert out.not_started == MAX_FANOUT_BATCH
    dumped = out.model_dump_json(exclude_none=True)
    assert len(dumped) < 32_000  # a child's output (and the map's results object) allow 256 KB
    assert StartSellerSyncBatchOutput.model_validate_json(dumped) == out


@pytest.mark.parametrize(
    "event",
    [
        {"sellers": [], "window": WINDOW},
        {"sellers": [f"A{n:011d}" for n in range(MAX_FANOUT_BATCH + 1)], "window": WINDOW},
        {"sellers": ["not a seller"], "window": WINDOW},
        {"sellers": [A], "window": "2026-12-05T10:00"},
    ],
)
def test_a_malformed_batch_is_refused(event: dict[str, object]) -> None:
    from sellerflow.errors import InvalidInput
    from sellerflow.events import parse_event

    with pytest.raises(InvalidInput, match="StartSellerSyncBatchInput"):
        parse_event(StartSellerSyncBatchInput, event)
