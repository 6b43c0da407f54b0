"""Which seller-sync machine a start uses (Standard or the hourly Express), the seller + window claim
that makes a repeated Express start a no-op, and the hand-over of an hourly run to Standard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sellerflow.domain import SellerProfile, SellerStatus, SyncRoute, SyncState
from sellerflow.errors import SellerNotFound
from sellerflow.sync.fanout import start_seller_sync
from sellerflow.sync.models import HandOver, StartSellerSyncInput
from sellerflow.sync.routing import choose_machine

SELLER = "A1ROUTETEST01"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
SYNCED = SyncState(seller_id=SELLER, watermark=NOW - timedelta(hours=1))


class FakeStarter:
    """A Standard machine de-duplicates by name; an Express one (`dedupes=False`) starts every call."""

    def __init__(self, *, dedupes: bool = True, fail: bool = False) -> None:
        self.dedupes, self.fail = dedupes, fail
        self.started: list[tuple[str, str]] = []

    def start(self, *, name: str, payload: str) -> bool:
        if self.fail:
            raise RuntimeError("StartExecution failed")
        if self.dedupes and any(started == name for started, _ in self.started):
            return False
        self.started.append((name, payload))
        return True


class FakeRoutes:
    """The seller's sync state with the store's claim rule: a window later than the claimed one."""

    def __init__(
        self, orders: SyncState, route: SyncRoute, status: SellerStatus | None = SellerStatus.ACTIVE
    ) -> None:
        self.orders, self.route, self.status = orders, route, status  # None: erased, no profile left

    def get_profile(self, seller_id: str) -> SellerProfile:
        if self.status is None:
            raise SellerNotFound(seller_id)
        return SellerProfile(seller_id=seller_id, name="x", status=self.status, marketplace_ids=("M",))

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState:
        return self.orders

    def sync_route(self, seller_id: str) -> SyncRoute:
        return self.route

    def claim_window(self, seller_id: str, window: str) -> bool:
        if self.status is not SellerStatus.ACTIVE:
            return False
        if self.route.claimed_window is not None and self.route.claimed_window >= window:
            return False
        self.route = self.route.model_copy(update={"claimed_window": window})
        return True

    def release_window(self, seller_id: str, window: str, *, previous: str | None) -> None:
        if self.route.claimed_window == window:
            self.route = self.route.model_copy(update={"claimed_window": previous})


def _route(**fields: object) -> SyncRoute:
    return SyncRoute(seller_id=SELLER, **fields)  # type: ignore[arg-type]


def test_the_first_sync_and_its_backfill_stay_on_standard() -> None:
    first = choose_machine(SyncState(seller_id=SELLER), _route(reports_run_at=NOW))
    assert (first.machine, first.reason) == ("standard", "first_sync")
    never = choose_machine(SYNCED, _route())
    assert (never.machine, never.reason) == ("standard", "reports_never_planned")


def test_reports_pending_go_to_standard_and_reports_due_stay_on_express_which_carries_them() -> None:
    pending = choose_machine(SYNCED, _route(reports_run_at=NOW, reports_pending=True))
    assert (pending.machine, pending.reason) == ("standard", "reports_pending")
    recent = _route(reports_run_at=NOW - timedelta(hours=1))
    assert choose_machine(SYNCED, recent).machine == "express"
    # reports planned a day ago: the hourly run plans them itself (sellerflow.sync.carry)
    due = choose_machine(SYNCED, _route(reports_run_at=NOW - timedelta(days=1)))
    assert (due.machine, due.reason) == ("express", "incremental")


def _start(routes: FakeRoutes, standard: FakeStarter, hourly: FakeStarter, **request: object) -> object:
    return start_seller_sync(
        StartSellerSyncInput(seller_id=SELLER, window="20261205T1000", **request),  # type: ignore[arg-type]
        starter=standard,
        hourly=hourly,
        routes=routes,
    )


def test_an_incremental_start_runs_on_express_once_however_often_it_is_repeated() -> None:
    routes = FakeRoutes(SYNCED, _route(reports_run_at=NOW - timedelta(hours=1)))
    standard, hourly = FakeStarter(), FakeStarter(dedupes=False)
    outcomes = [_start(routes, standard, hourly) for _ in range(3)]  # retry, duplicate event, overlap
    assert [o.status for o in outcomes] == ["started", "already_running", "already_running"]  # type: ignore[attr-defined]
    assert outcomes[0].machine == "express"  # type: ignore[attr-defined]
    assert {o.reason for o in outcomes[1:]} == {"window_claimed"}  # type: ignore[attr-defined]
    assert len(hourly.started) == 1
    assert not standard.started
    assert json.loads(hourly.started[0][1]) == {
        "seller_id": SELLER,
        "window": "20261205T1000",
        "orders": {"pagination_token": None},
    }
    assert routes.route.claimed_window == "20261205T1000"


def test_a_pending_plan_starts_standard_and_an_older_window_never_starts_after_a_newer_one() -> None:
    routes = FakeRoutes(SYNCED, _route(reports_run_at=NOW - timedelta(hours=7), reports_pending=True))
    standard, hourly = FakeStarter(), FakeStarter(dedupes=False)
    started = _start(routes, standard, hourly)
    assert (started.status, started.machine, started.reason) == ("started", "standard", "reports_pending")  # type: ignore[attr-defined]
    late = start_seller_sync(
        StartSellerSyncInput(seller_id=SELLER, window="20261205T0900"),
        starter=standard,
        hourly=hourly,
        routes=routes,
    )
    assert late.status == "already_running"
    assert len(standard.started) == 1
    assert not hourly.started


def test_a_failed_start_gives_its_claim_back_so_the_retry_starts() -> None:
    routes = FakeRoutes(SYNCED, _route(reports_run_at=NOW, claimed_window="20261205T0900"))
    with pytest.raises(RuntimeError):
        _start(routes, FakeStarter(), FakeStarter(dedupes=False, fail=True))
    assert routes.route.claimed_window == "20261205T0900"
    hourly = FakeStarter(dedupes=False)
    assert _start(routes, FakeStarter(), hourly).status == "started"  # type: ignore[attr-defined]
    assert len(hourly.started) == 1


@pytest.mark.parametrize("status", [SellerStatus.ERASING, SellerStatus.DISCONNECTED, None])
def test_a_seller_being_erased_is_not_started(status: SellerStatus | None) -> None:
    routes = FakeRoutes(SYNCED, _route(reports_run_at=NOW), status=status)
    standard, hourly = FakeStarter(), FakeStarter(dedupes=False)
    assert _start(routes, standard, hourly).status == "not_active"  # type: ignore[attr-defined]
    handed = _start(routes, standard, hourly, hand_over=HandOver(reason="orders_quota", pagination_token="t"))
    assert handed.status == "not_active"  # type: ignore[attr-defined]
    assert not standard.started
    assert not hourly.started


def test_a_hand_over_starts_standard_at_the_page_the_hourly_run_stopped_and_only_once() -> None:
    routes = FakeRoutes(SYNCED, _route(reports_run_at=NOW, claimed_window="20261205T1000"))
    standard, hourly = FakeStarter(), FakeStarter(dedupes=False)
    hand_over = HandOver(reason="orders_quota", pagination_token="NEXT-PAGE")
    first = _start(routes, standard, hourly, hand_over=hand_over)
    again = _start(routes, standard, hourly, hand_over=hand_over)
    assert (first.status, first.machine, first.reason) == ("started", "standard", "hand_over:orders_quota")  # type: ignore[attr-defined]
    assert again.status == "already_running"  # type: ignore[attr-defined]
    ((name, payload),) = standard.started
    assert name == f"{SELLER}-20261205T1000"
    assert json.loads(payload)["orders"] == {"pagination_token": "NEXT-PAGE"}


def test_without_an_hourly_machine_every_start_is_standard_as_before() -> None:
    standard = FakeStarter()
    started = start_seller_sync(
        StartSellerSyncInput(seller_id=SELLER, window="20261205T1000"), starter=standard
    )
    assert (started.status, started.machine) == ("started", "standard")
    assert len(standard.started) == 1


class FakeResults:
    def __init__(self) -> None:
        self.reports_runs: list[bool] = []

    def finish_run(
        self, seller_id: str, *, outcome: str, error: str | None, source: str = "orders"
    ) -> SyncState:
        return SyncState(seller_id=seller_id, last_outcome=outcome)

    def set_status(self, seller_id: str, status: SellerStatus, *, reason: str | None = None) -> None:
        raise AssertionError("not revoked")

    def record_reports_run(self, seller_id: str, *, at: datetime, pending: bool) -> None:
        self.reports_runs.append(pending)


def test_a_successful_standard_run_records_whether_it_planned_reports_and_an_express_one_does_not() -> None:
    from sellerflow.sync.models import RecordSyncResultInput
    from sellerflow.sync.results import record_sync_result

    store = FakeResults()
    for machine, planned in (("standard", 4), ("standard", 0), ("express", None)):
        request = RecordSyncResultInput(
            seller_id=SELLER, run_id="r", outcome="succeeded", machine=machine, reports_planned=planned
        )
        record_sync_result(request, store=store, routes=store)
    failed = RecordSyncResultInput(seller_id=SELLER, run_id="r", outcome="failed", machine="standard")
    record_sync_result(failed, store=store, routes=store)
    assert store.reports_runs == [True, False]
