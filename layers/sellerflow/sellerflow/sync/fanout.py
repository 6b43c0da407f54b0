"""Fanout: which sellers are due, and starting one seller-sync execution each without doubles.

A seller is due at a tick when it is active, its authorization has not lapsed, and its own schedule
(`sellerflow.sync.schedule`) has a sync in this window. An active seller whose authorization ran
out (a year after consent) is not synced: it is marked lapsed here and leaves the due index until
an owner reconnects it.

The due list goes to an S3 object, not the workflow's state: the fanout's Distributed Map reads it
item by item (ItemReader), so a tick of 10,000 sellers never meets the 256 KB state limit. The
fanout's items are batches of sellers (`DueBatch`): AWS bills a Standard transition, an Express
request and a Lambda invocation per child, so one child starts a batch of sellers, one after another
(`start_seller_syncs`), each in its own try (docs/cost.md, *The fanout in batches*).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from sellerflow.domain import ScheduledSeller, SellerProfile, SellerStatus, SyncRoute, SyncState
from sellerflow.errors import SellerNotFound, StartBatchOutOfTime, WorkflowStartThrottled
from sellerflow.observability import logger, metrics
from sellerflow.sync.models import (
    DueBatch,
    DueSeller,
    DueSellersObject,
    ListDueSellersOutput,
    SellerStartOutcome,
    StartSellerSyncBatchInput,
    StartSellerSyncBatchOutput,
    StartSellerSyncInput,
    StartSellerSyncOutput,
)
from sellerflow.sync.routing import choose_machine
from sellerflow.sync.schedule import LAPSED_REASON, is_due, is_lapsed


class DueSellerSource(Protocol):
    def scheduled_sellers(self) -> list[ScheduledSeller]: ...

    def mark_lapsed(self, seller_id: str, *, now: datetime, reason: str) -> bool: ...


class SyncGate(Protocol):
    def sync_allowed(self, seller_id: str) -> bool:
        """False while the seller's plan is read-only or cancelled (hosted deployments' billing)."""
        ...

    def sync_every_minutes(self, seller_id: str, wanted: int | None) -> int | None:
        """The cadence the seller's plan allows: `wanted`, or the plan's fastest when it is faster."""
        ...


class DueListSink(Protocol):
    def put_json(self, key: str, body: bytes) -> str:
        """Store one JSON object under `key`; return the bucket it is in."""
        ...


class WorkflowStarter(Protocol):
    def start(self, *, name: str, payload: str) -> bool:
        """Start an execution; False when one of that name exists already."""
        ...


class SyncRoutes(Protocol):
    """The seller's sync state as the start reads and claims it (`sellerflow.sync.routing`)."""

    def get_profile(self, seller_id: str) -> SellerProfile: ...

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState: ...

    def sync_route(self, seller_id: str) -> SyncRoute: ...

    def claim_window(self, seller_id: str, window: str) -> bool:
        """Claim the window for one start (conditional: False when claimed already or not active)."""
        ...

    def release_window(self, seller_id: str, window: str, *, previous: str | None) -> None: ...


def sync_window(tick: datetime, minutes: int) -> str:
    """The schedule window a tick belongs to; ticks in the same window share execution names."""
    epoch_minutes = int(tick.timestamp()) // 60
    floored = datetime.fromtimestamp((epoch_minutes - epoch_minutes % minutes) * 60, UTC)
    return floored.strftime("%Y%m%dT%H%M")


def list_due_sellers(
    tick: datetime,
    *,
    sellers: DueSellerSource,
    window_minutes: int,
    billing: SyncGate | None = None,
    every_active: bool = False,
) -> ListDueSellersOutput:
    """`billing` (Billing=on): a seller whose plan is read-only is left out, its data and watermark
    untouched, so its first sync after a payment resumes where the last one stopped; a seller whose
    cadence is faster than its plan's is synced at the plan's (its own setting is kept).
    `every_active`: every active seller whose authorization holds, whatever its schedule or plan (the
    daily history archive: a read-only seller's data still moves out of DynamoDB)."""
    due: list[DueSeller] = []
    paused = 0
    for seller in sorted(sellers.scheduled_sellers(), key=lambda s: s.seller_id):
        if is_lapsed(seller.authorization_expires_at, tick):
            if sellers.mark_lapsed(seller.seller_id, now=tick, reason=LAPSED_REASON):
                logger.warning("seller authorization lapsed", extra={"seller_id": seller.seller_id})
                metrics.add_metric(name="SellersLapsed", unit="Count", value=1)
            continue
        if every_active:
            due.append(DueSeller(seller_id=seller.seller_id))
            continue
        if billing is not None:
            capped = billing.sync_every_minutes(seller.seller_id, seller.sync_every_minutes)
            seller = seller.model_copy(update={"sync_every_minutes": capped})
        if not is_due(seller, tick, window_minutes):
            continue
        if billing is not None and not billing.sync_allowed(seller.seller_id):
            paused += 1
            continue
        due.append(DueSeller(seller_id=seller.seller_id))
    if not every_active:
        metrics.add_metric(name="SellersDue", unit="Count", value=len(due))
    if paused:
        metrics.add_metric(name="SellersPausedByBilling", unit="Count", value=paused)
    window = sync_window(tick, window_minutes)
    return ListDueSellersOutput(sellers=due, window=f"all-{window}" if every_active else window)


def due_list_key(tick: datetime, window: str) -> str:
    """One object per tick (two ticks of a window each keep their own list)."""
    return f"due-sellers/{window}/{tick.astimezone(UTC):%Y%m%dT%H%M%S%f}.json"


def due_batches(sellers: list[DueSeller], size: int) -> list[DueBatch]:
    """`sellers` in batches of `size`, in order; the last one holds the rest (none for no seller)."""
    if size < 1:
        raise ValueError(f"a batch holds at least one seller, not {size}")
    ids = [seller.seller_id for seller in sellers]
    return [DueBatch(sellers=ids[at : at + size]) for at in range(0, len(ids), size)]


def publish_due_sellers(
    tick: datetime,
    *,
    sellers: DueSellerSource,
    window_minutes: int,
    sink: DueListSink,
    billing: SyncGate | None = None,
    every_active: bool = False,
    batch_size: int | None = None,
) -> DueSellersObject:
    """The due sellers of a tick, written as a JSON array for the ItemReader: of `{"sellers": [...]}`
    batches of `batch_size` (the fanout's), or of `{"seller_id": ...}` (None: the history archive's,
    and a fanout definition from before the batches, which passes none)."""
    due = list_due_sellers(
        tick, sellers=sellers, window_minutes=window_minutes, billing=billing, every_active=every_active
    )
    key = due_list_key(tick, due.window)
    items = due.sellers if batch_size is None else due_batches(due.sellers, batch_size)
    body = json.dumps([item.model_dump(mode="json") for item in items], separators=(",", ":"))
    bucket = sink.put_json(key, body.encode())
    return DueSellersObject(bucket=bucket, key=key, count=len(due.sellers), window=due.window)


def execution_name(seller_id: str, window: str) -> str:
    return f"{seller_id}-{window}"


def start_seller_sync(
    request: StartSellerSyncInput,
    *,
    starter: WorkflowStarter,
    hourly: WorkflowStarter | None = None,
    routes: SyncRoutes | None = None,
) -> StartSellerSyncOutput:
    """Start the seller's sync of a window on the machine its sync state calls for.

    Without `hourly` and `routes` (the first sync a connection starts): the Standard seller-sync,
    de-duplicated by its execution name. With them: a hand-over from an hourly run goes to Standard
    (same name, so a repeated hand-over is a no-op); any other start claims seller + window on the
    sync state first (a conditional write, with the seller still active), so a retried, duplicated
    or overlapping start of an Express run, which StartExecution would not de-duplicate, does
    nothing; a start that fails gives its claim back."""
    name = execution_name(request.seller_id, request.window)
    token = request.hand_over.pagination_token if request.hand_over else None
    payload = json.dumps(
        {"seller_id": request.seller_id, "window": request.window, "orders": {"pagination_token": token}}
    )
    if routes is None or hourly is None:
        return _started(request, name, starter.start(name=name, payload=payload), "standard", "")
    if request.hand_over is not None:
        if not _active(routes, request.seller_id):
            return StartSellerSyncOutput(
                seller_id=request.seller_id, execution_name=name, status="not_active", reason="hand_over"
            )
        metrics.add_metric(name="SyncHandedOver", unit="Count", value=1)
        started = starter.start(name=name, payload=payload)
        return _started(request, name, started, "standard", f"hand_over:{request.hand_over.reason}")
    route = choose_machine(
        routes.sync_state(request.seller_id),
        claimed := routes.sync_route(request.seller_id),
    )
    if not routes.claim_window(request.seller_id, request.window):
        active = _active(routes, request.seller_id)
        return _started(request, name, False, route.machine, "window_claimed", active=active)
    try:
        started = (hourly if route.machine == "express" else starter).start(name=name, payload=payload)
    except Exception:
        routes.release_window(request.seller_id, request.window, previous=claimed.claimed_window)
        raise
    metrics.add_metric(name="SyncStartedExpress" if route.machine == "express" else "SyncStartedStandard",
                       unit="Count", value=1)  # fmt: skip
    return _started(request, name, started, route.machine, route.reason)


# A batch starts no seller with less than this left of its Lambda's time: a start's worst case (boto3
# backs a throttled StartExecution off for up to ~15 s before it gives up, the reads and the claim
# their own retries); the rest go back to the fanout's Retry.
BATCH_TIME_RESERVE_S = 20.0


def start_seller_syncs(
    request: StartSellerSyncBatchInput,
    *,
    starter: WorkflowStarter,
    hourly: WorkflowStarter | None,
    routes: SyncRoutes,
    time_left_s: Callable[[], float],
) -> StartSellerSyncBatchOutput:
    """Start a fanout batch's sellers one after another, each as `start_seller_sync` does (claimed
    first: a repeated start is a no-op), each in its own try: a seller that cannot be started is
    `not_started` with its error's class and never stops the others.

    One start in flight at a time, so the Map's MaxConcurrency (batches) bounds the starts in flight
    as it did with one seller a child. A throttled start (its claim given back) is left for a retry:
    the other sellers are started first, then `WorkflowStartThrottled` makes the Map's Retry run the
    batch again after its backoff, where the started sellers find their window claimed and only the
    throttled ones start. Likewise `StartBatchOutOfTime` when the Lambda's time runs short."""
    outcomes: list[SellerStartOutcome] = []
    throttled = 0
    for done, seller_id in enumerate(request.sellers):
        if time_left_s() < BATCH_TIME_RESERVE_S:
            _log_batch_unfinished(request, outcomes, throttled, left=len(request.sellers) - done)
            raise StartBatchOutOfTime(
                f"{len(request.sellers) - done} of {len(request.sellers)} sellers of window "
                f"{request.window} not reached in the function's time; the batch's retry starts them"
            )
        single = StartSellerSyncInput(seller_id=seller_id, window=request.window)
        try:
            started = start_seller_sync(single, starter=starter, hourly=hourly, routes=routes)
        except WorkflowStartThrottled:
            throttled += 1
            continue
        except Exception as exc:
            logger.warning(
                "seller sync not started",
                extra={"seller_id": seller_id, "window": request.window, "error": type(exc).__name__},
                exc_info=True,
            )
            metrics.add_metric(name="SyncNotStarted", unit="Count", value=1)
            outcomes.append(
                SellerStartOutcome(seller_id=seller_id, status="not_started", error=type(exc).__name__)
            )
            continue
        outcomes.append(
            SellerStartOutcome(seller_id=seller_id, status=started.status, machine=started.machine)
        )
    if throttled:
        _log_batch_unfinished(request, outcomes, throttled, left=0)
        raise WorkflowStartThrottled(
            f"StartExecution throttled for {throttled} of {len(request.sellers)} sellers of window "
            f"{request.window}; the others were handled, the batch's retry starts only these"
        )
    statuses = [outcome.status for outcome in outcomes]
    return StartSellerSyncBatchOutput(
        window=request.window,
        started=statuses.count("started"),
        already_running=statuses.count("already_running"),
        not_active=statuses.count("not_active"),
        not_started=statuses.count("not_started"),
        sellers=outcomes,
    )


def _log_batch_unfinished(
    request: StartSellerSyncBatchInput, outcomes: list[SellerStartOutcome], throttled: int, *, left: int
) -> None:
    logger.warning(
        "fanout batch unfinished: retried",
        extra={
            "window": request.window,
            "sellers": len(request.sellers),
            "started": sum(1 for outcome in outcomes if outcome.status == "started"),
            "throttled": throttled,
            "not_reached": left,
        },
    )


def _active(routes: SyncRoutes, seller_id: str) -> bool:
    """Whether the seller may be synced: its profile exists (an erased seller has none) and is active."""
    try:
        return routes.get_profile(seller_id).status is SellerStatus.ACTIVE
    except SellerNotFound:
        return False


def _started(
    request: StartSellerSyncInput, name: str, started: bool, machine: str, reason: str, *, active: bool = True
) -> StartSellerSyncOutput:
    if not active:
        logger.info("seller not active: no sync started", extra={"seller_id": request.seller_id})
    elif not started:
        logger.info(
            "seller sync already running", extra={"seller_id": request.seller_id, "window": request.window}
        )
    return StartSellerSyncOutput(
        seller_id=request.seller_id,
        execution_name=name,
        status="started" if started else ("already_running" if active else "not_active"),
        machine="express" if machine == "express" else "standard",
        reason=reason,
    )
